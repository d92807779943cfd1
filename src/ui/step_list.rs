use mailgrant_core::wizard::Step;
use yew::prelude::*;

/// The wizard's steps, the current one marked for people and for screen readers (a plain
/// function: no state).
pub fn step_list(current: Step) -> Html {
    html! {
        <nav aria-label="Setup steps">
            <ol id="steps">
                { for Step::ALL.iter().map(|&s| {
                    let state = match s.index().cmp(&current.index()) {
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
