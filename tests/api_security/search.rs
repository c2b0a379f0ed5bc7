//! S31: search, hashtag timelines and profile listings never list followers-only or
//! direct posts to those who may not read them, and visitors cannot make us fetch.

use reqwest::{Method, StatusCode};

use crate::support::TestApp;
use crate::support::remote::Remote;
use crate::{DM_TAG, DM_WORDS, FO_TAG, FO_WORDS, Rig, leaks};

fn encoded(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

#[tokio::test]
async fn s31_search_tags_and_profiles_never_list_private_posts() {
    let rita = Remote::start_as("rita").await;
    let rig = Rig::with(TestApp::start_allowing(&[&rita.host]).await).await;
    // alice pins her followers-only post (allowed: it is hers and not direct).
    let pinned = rig
        .call(
            Method::POST,
            &format!("/api/v1/statuses/{}/pin", rig.p_fo),
            Some(&rig.alice),
            None,
        )
        .await;
    assert_eq!(pinned.json["pinned"], true, "{}", pinned.json);
    let base = rig.app.base.clone();
    let fo_url = format!("{base}/@alice/{}", rig.p_fo);
    let fo_uri = format!("{base}/users/alice/statuses/{}", rig.p_fo);
    let dm_url = format!("{base}/@alice/{}", rig.p_dm);

    let mut queries: Vec<String> = Vec::new();
    for q in [
        FO_WORDS.to_string(),
        DM_WORDS.to_string(),
        format!("#{FO_TAG}"),
        FO_TAG.to_string(),
        format!("#{DM_TAG}"),
        DM_TAG[..6].to_string(),
        fo_url.clone(),
        fo_uri.clone(),
        dm_url.clone(),
    ] {
        for kind in ["", "&type=statuses", "&type=hashtags", "&type=accounts"] {
            for resolve in ["", "&resolve=true"] {
                queries.push(format!("/api/v2/search?q={}{kind}{resolve}", encoded(&q)));
            }
        }
    }
    let alice_id = &rig.alice_id;
    let listings = [
        format!("/api/v1/timelines/tag/{FO_TAG}"),
        format!("/api/v1/timelines/tag/{DM_TAG}"),
        format!("/api/v1/timelines/tag/opentag?any[]={FO_TAG}&any[]={DM_TAG}"),
        format!("/api/v1/accounts/{alice_id}/statuses"),
        format!("/api/v1/accounts/{alice_id}/statuses?pinned=true"),
        format!("/api/v1/accounts/{alice_id}/statuses?tagged={FO_TAG}"),
        format!("/api/v1/accounts/{alice_id}/statuses?exclude_replies=true&exclude_reblogs=true"),
        "/api/v1/timelines/public".to_string(),
        "/api/v1/timelines/public?local=true".to_string(),
    ];
    // carol and visitors find nothing of P_fo or P_dm, however they ask.
    for token in [Some(rig.carol.as_str()), None] {
        for path in queries.iter().chain(listings.iter()) {
            let r = rig.get(path, token).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.json);
            assert!(!leaks(&r.json), "{path} as {token:?}: {}", r.json);
        }
    }
    // bob, who may read both, finds their hashtags and sees them on alice's profile
    // (so these checks can fail).
    let bobs = rig
        .get(
            &format!("/api/v2/search?q={FO_TAG}&type=hashtags"),
            Some(&rig.bob),
        )
        .await;
    assert_eq!(bobs.json["hashtags"][0]["name"], FO_TAG, "{}", bobs.json);
    let profile = rig
        .get(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&rig.bob),
        )
        .await;
    assert!(leaks(&profile.json));
    let pins = rig
        .get(
            &format!("/api/v1/accounts/{alice_id}/statuses?pinned=true"),
            Some(&rig.bob),
        )
        .await;
    assert_eq!(pins.json[0]["id"], rig.p_fo.as_str());

    // A visitor asking us to resolve a handle, a profile URL or a post URL on another
    // server makes no request there; a signed-in person's lookup does.
    let note_url = rita.url("/notes/1");
    for path in [
        format!("/api/v2/search?q={}&resolve=true", encoded(&rita.acct())),
        format!(
            "/api/v2/search?q={}&resolve=true",
            encoded(&format!("@{}", rita.acct()))
        ),
        format!("/api/v2/search?q={}&resolve=true", encoded(&rita.actor())),
        format!(
            "/api/v2/search?q={}&resolve=true&type=statuses",
            encoded(&note_url)
        ),
        format!("/api/v1/accounts/lookup?acct={}", encoded(&rita.acct())),
        format!(
            "/api/v1/accounts/lookup?acct={}",
            encoded(&format!("@{}", rita.acct()))
        ),
    ] {
        let r = rig.get(&path, None).await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            r.status
        );
    }
    assert!(
        rita.peer.gets.lock().unwrap().is_empty(),
        "visitors made us fetch: {:?}",
        rita.peer.gets.lock().unwrap()
    );
    // A signed-in person's lookup does go out (this peer serves no WebFinger, so the
    // handle stays unknown), and resolving the actor's URL stores it.
    rig.get(
        &format!("/api/v1/accounts/lookup?acct={}", encoded(&rita.acct())),
        Some(&rig.carol),
    )
    .await;
    assert!(
        !rita.peer.gets.lock().unwrap().is_empty(),
        "signed in, we look"
    );
    let found = rig
        .get(
            &format!("/api/v2/search?q={}&resolve=true", encoded(&rita.actor())),
            Some(&rig.carol),
        )
        .await;
    assert_eq!(
        found.json["accounts"][0]["acct"],
        rita.acct().as_str(),
        "{}",
        found.json
    );
    // Once known, a visitor's lookup finds the account without a fetch.
    let before = rita.peer.gets.lock().unwrap().len();
    let again = rig
        .get(
            &format!("/api/v1/accounts/lookup?acct={}", encoded(&rita.acct())),
            None,
        )
        .await;
    assert_eq!(again.json["acct"], rita.acct().as_str(), "{}", again.json);
    assert_eq!(rita.peer.gets.lock().unwrap().len(), before);
}
