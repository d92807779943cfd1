use mailgrant_core::wizard::Step;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StepListProps {
    pub current: Step,
}

/// The wizard's steps, the current one marked for people and for screen readers.
#[function_component(StepList)]
pub fn step_list(props: &StepListProps) -> Html {
    html! {
        <nav aria-label="Setup steps">
            <ol id="steps">
                { for Step::ALL.iter().map(|&s| {
                    let state = match s.index().cmp(&props.current.index()) {
                        std::cmp::Ordering::Less => "done",
                        std::cmp::Ordering::Equal => "current",
                        std::cmp::Ordering::Greater => "todo",
                    };
                    html! {
                        <li id={format!("step-{}", s.id())} class={state}
                            aria-current={(state == "current").then_some("step")}>
                            { s.label() }
                        </li>
                    }
                }) }
            </ol>
        </nav>
    }
}
