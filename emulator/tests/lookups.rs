//! The wizard's look-ups: users by address, mail-enabled security groups, membership (§A.8, §A.9).

mod common;

use common::*;
use serde_json::{json, Value};

const INVOICES: &str = "670604ea-5ccf-4fa0-94d3-14e71cc55ce7";
const MAILGRANT_SENDERS: &str = "71b53146-ceb2-4940-b73e-51e8ef4be99b";
const FINANCE_NOTIFICATIONS: &str = "a7e58b83-461d-4a33-a42b-dafcb70f68fc";
const IT_ADMINS: &str = "f41359ab-31bf-4e1c-9778-13b94e58ef70";

fn ids(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn find_users_by_address() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let sel =
        "$select=id,displayName,mail,userPrincipalName,proxyAddresses,userType,accountEnabled";
    for f in [
        "mail eq 'invoices@contosodemo.onmicrosoft.com'",
        "userPrincipalName eq 'INVOICES@contosodemo.onmicrosoft.com'",
        "proxyAddresses/any(x:x eq 'smtp:billing@contosodemo.onmicrosoft.com')",
        "proxyAddresses/any(x:x eq 'SMTP:invoices@contosodemo.onmicrosoft.com')",
    ] {
        let r = g.get(&format!("/v1.0/users?$filter={f}&{sel}")).await;
        assert_eq!(r.status, 200, "{f}: {}", r.text);
        assert_eq!(ids(&r.json), vec![INVOICES.to_string()], "{f}");
        assert_eq!(r.json["value"][0]["accountEnabled"], false);
        assert!(r.json["@odata.context"].as_str().unwrap().ends_with(
            "#users(id,displayName,mail,userPrincipalName,proxyAddresses,userType,accountEnabled)"
        ));
    }
    let r = g
        .get("/v1.0/users?$filter=mail eq 'nobody@contosodemo.onmicrosoft.com'")
        .await;
    assert_eq!(r.json["value"], json!([]));
    let r = g
        .get(&format!(
            "/v1.0/users/invoices@contosodemo.onmicrosoft.com?{sel}"
        ))
        .await;
    assert_eq!(r.json["id"], INVOICES);

    // Advanced operators need ConsistencyLevel: eventual + $count=true.
    let r = g.get("/v1.0/users?$filter=userType ne 'Guest'").await;
    assert_graph_error(
        &r,
        400,
        "Request_UnsupportedQuery",
        "ConsistencyLevel header to eventual",
    );
    let r = g
        .send(
            "GET",
            "/v1.0/users?$filter=userType ne 'Guest'&$count=true",
            None,
            &[("ConsistencyLevel", "eventual")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Every seeded user but the guest Grady (Isaiah Langer, the mail user Alerts and the
    // disabled Joni included).
    assert_eq!(r.json["@odata.count"], 11);
    let r = g.get("/v1.0/users?$count=true").await;
    assert_graph_error(&r, 400, "Request_BadRequest", "$count");
    let r = g.get("/v1.0/users?$filter=jobTitle eq 'x'").await;
    assert_graph_error(
        &r,
        400,
        "Request_UnsupportedQuery",
        "property 'jobTitle' of resource 'User'",
    );
    let r = g.get("/v1.0/users?$filter=mail eq").await;
    assert_graph_error(&r, 400, "BadRequest", "Invalid filter clause");
}

#[tokio::test]
async fn mail_enabled_security_groups_with_paging() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let mut url = "/v1.0/groups?$filter=mailEnabled eq true and securityEnabled eq true&$select=id,displayName,mail,groupTypes&$top=2".to_string();
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let r = g.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.text);
        pages += 1;
        for v in r.json["value"].as_array().unwrap() {
            names.push(v["displayName"].as_str().unwrap().to_string());
            assert!(v.get("securityEnabled").is_none());
        }
        match r.json["@odata.nextLink"].as_str() {
            Some(next) => url = next.strip_prefix(&emu.graph_origin).unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    names.sort();
    assert_eq!(
        names,
        vec![
            "Finance Mailboxes",
            "Finance Notifications",
            "Mailgrant Senders"
        ]
    );
    let r = g.get("/v1.0/groups?$top=1000").await;
    assert_graph_error(&r, 400, "Request_BadRequest", "Invalid page size");
    let r = g
        .get(&format!(
            "/v1.0/groups/{MAILGRANT_SENDERS}?$select=id,mailEnabled"
        ))
        .await;
    assert_eq!(r.json["mailEnabled"], true);
}

#[tokio::test]
async fn a_groups_direct_members() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    // Finance Notifications: Megan directly, the invoices mailbox only through Finance Mailboxes.
    let r = g
        .get(&format!(
            "/v1.0/groups/{FINANCE_NOTIFICATIONS}/members?$select=id"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let types: Vec<&str> = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["@odata.type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["#microsoft.graph.user", "#microsoft.graph.group"]);
    assert!(
        !ids(&r.json).contains(&INVOICES.to_string()),
        "nested is not direct"
    );
    assert!(
        r.json["value"][0].get("displayName").is_none(),
        "$select applies"
    );
    let r = g
        .get("/v1.0/groups/00000000-0000-4000-8000-000000000000/members")
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn membership_checks() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    let r = g
        .post(
            &format!("/v1.0/users/{INVOICES}/checkMemberGroups"),
            &json!({"groupIds": [MAILGRANT_SENDERS, FINANCE_NOTIFICATIONS, IT_ADMINS]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["value"],
        json!([MAILGRANT_SENDERS, FINANCE_NOTIFICATIONS])
    );
    assert!(r.json["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#Collection(Edm.String)"));
    let many: Vec<String> = (0..21)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let r = g
        .post(
            &format!("/v1.0/users/{INVOICES}/checkMemberGroups"),
            &json!({"groupIds": many}),
        )
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", "20");
    let r = g
        .post(
            &format!("/v1.0/users/{INVOICES}/checkMemberGroups"),
            &json!({"ids": []}),
        )
        .await;
    assert_graph_error(&r, 400, "BadRequest", "checkMemberGroups");
    let r = g
        .post(
            "/v1.0/users/nobody@contosodemo.onmicrosoft.com/checkMemberGroups",
            &json!({"groupIds": []}),
        )
        .await;
    assert_eq!(r.status, 404);

    let path = format!("/v1.0/users/{INVOICES}/transitiveMemberOf/microsoft.graph.group?$count=true&$select=id,displayName,mailEnabled,securityEnabled,groupTypes");
    let r = g.get(&path).await;
    assert_graph_error(&r, 400, "Request_UnsupportedQuery", "ConsistencyLevel");
    let r = g
        .send("GET", &path, None, &[("ConsistencyLevel", "eventual")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["@odata.count"], 3);
    let mut got = ids(&r.json);
    got.sort();
    let mut want = vec![
        MAILGRANT_SENDERS.to_string(),
        FINANCE_NOTIFICATIONS.to_string(),
        "50ca7e77-0b2d-48e2-a6e4-a0037b339136".to_string(),
    ];
    want.sort();
    assert_eq!(got, want);
    // Without the cast: a plain directoryObject collection with @odata.type.
    let r = g
        .get(&format!("/v1.0/users/{INVOICES}/transitiveMemberOf"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["value"][0]["@odata.type"], "#microsoft.graph.group");
}

#[tokio::test]
async fn an_address_is_found_as_sign_in_name_primary_address_or_alias_in_one_query() {
    let emu = emu().await;
    let g = Gc::for_user(&emu, "adele").await;
    for a in [
        "invoices@contosodemo.onmicrosoft.com",
        "billing@contosodemo.onmicrosoft.com",
    ] {
        let f = format!(
            "userPrincipalName eq '{a}' or mail eq '{a}' or proxyAddresses/any(x:x eq 'smtp:{a}')"
        );
        let r = g.get(&format!("/v1.0/users?$filter={f}&$select=id")).await;
        assert_eq!(r.status, 200, "{f}: {}", r.text);
        assert_eq!(ids(&r.json), vec![INVOICES.to_string()], "{f}");
    }
    // `and` binds tighter than `or`.
    let r = g
        .get("/v1.0/users?$filter=mail eq 'nobody@x.example' and userType eq 'Member' or userPrincipalName eq 'invoices@contosodemo.onmicrosoft.com'&$select=id")
        .await;
    assert_eq!(ids(&r.json), vec![INVOICES.to_string()]);
}

#[tokio::test]
async fn mailbox_settings_tell_a_mailbox_from_none() {
    let emu = emu().await;
    let g = minted(
        &emu,
        "adele@contosodemo.onmicrosoft.com",
        &["User.Read", "User.Read.All", "MailboxSettings.Read"],
    )
    .await;
    // The admin's own mailbox: its kind.
    let me = g.get("/v1.0/me").await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = g
        .get(&format!("/v1.0/users/{me}/mailboxSettings/userPurpose"))
        .await;
    assert_eq!((r.status, r.json["value"].clone()), (200, json!("user")));
    // Someone else's mailbox: refused, as Exchange refuses a delegated token.
    let r = g
        .get(&format!(
            "/v1.0/users/{INVOICES}/mailboxSettings/userPurpose"
        ))
        .await;
    assert_graph_error(&r, 403, "ErrorAccessDenied", "Access is denied");
    // A user Exchange has no mailbox for (the mail user Alerts, Nestor without any address).
    for id in [
        "3f0a9f5e-2c61-4d7b-9a43-8e1f5b6c2d70",
        "6683add5-7b7f-425f-aef0-a1d578ced23c",
    ] {
        let r = g
            .get(&format!("/v1.0/users/{id}/mailboxSettings/userPurpose"))
            .await;
        assert_graph_error(
            &r,
            404,
            "MailboxNotEnabledForRESTAPI",
            "inactive, soft-deleted",
        );
    }
    // Without the scope: refused for everyone.
    let g = minted(
        &emu,
        "adele@contosodemo.onmicrosoft.com",
        &["User.Read", "User.Read.All"],
    )
    .await;
    let r = g
        .get(&format!("/v1.0/users/{me}/mailboxSettings/userPurpose"))
        .await;
    assert_graph_error(&r, 403, "ErrorAccessDenied", "Access is denied");
}
