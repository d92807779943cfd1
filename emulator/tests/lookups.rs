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
    // Every seeded user but the guest Grady (Isaiah Langer included).
    assert_eq!(r.json["@odata.count"], 9);
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
