use yew::prelude::*;

/// The page's header; `vendor_name` is `None` while the configuration is unknown. A plain
/// function (no state): each component costs the page bytes.
pub fn header(vendor_name: Option<AttrValue>) -> Html {
    html! {
        <header>
            <span id="vendor-name" class="vendor">
                { vendor_name.unwrap_or_else(|| AttrValue::from("Mail sending setup")) }
            </span>
            <span class="product">{ "Microsoft 365 mail sending setup" }</span>
        </header>
    }
}
