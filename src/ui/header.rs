use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// `None` while the configuration is unknown.
    pub vendor_name: Option<AttrValue>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    html! {
        <header>
            <span id="vendor-name" class="vendor">
                { props.vendor_name.clone().unwrap_or_else(|| AttrValue::from("Mail sending setup")) }
            </span>
            <span class="product">{ "Microsoft 365 mail sending setup" }</span>
        </header>
    }
}
