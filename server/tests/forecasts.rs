//! The account manager's suggested and proposed orders (issue 11): the data a phone
//! suggests from, the holiday calendar and paused weeks, a proposal both sides edit
//! offline and merge, one order whoever places it, and the accuracy report.

#[path = "support/http_device.rs"]
mod http_device;

use docs::schema::doc_id::DocId;
use docs::schema::proposal_doc::{self, open_proposal};
use domain::forecast::{ProductDemand, ShopDemand, suggest_order};
use domain::order::RequestId;
use domain::proposal::{Answer, Proposal, ProposalAnswer, ProposedLine};
use domain::sku::{ShopId, Sku};
use http_device::{Device, TestServer, call, spawn_server, token, with_store};
use reqwest::Method;
use serde_json::json;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const WEEK_MS: i64 = 7 * DAY_MS;

fn lotus() -> ShopId {
    ShopId::parse("shop-lotus").unwrap()
}

/// Lotus's demand as its manager's phone gets it, and green tea's part of it.
async fn lotus_demand(server: &TestServer, token: &str) -> (ShopDemand, ProductDemand) {
    let (status, body) = call(
        server,
        token,
        Method::GET,
        "/api/shops/shop-lotus/demand",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let demand: ShopDemand = serde_json::from_value(body).unwrap();
    let tea = demand
        .products
        .iter()
        .find(|p| p.sku.as_str() == "BEV-0001")
        .cloned()
        .expect("green tea in the demand");
    (demand, tea)
}

/// Lotus Mart's phone and its manager Wang's, working with Lotus, both synced.
async fn lotus_and_wang(server: &TestServer) -> (Device, Device) {
    let mut shop = Device::new(server, "lotus", "lotus123").await;
    let mut wang = Device::new(server, "wang", "wang123").await;
    wang.shop = lotus();
    assert!(shop.sync_now().await.is_empty());
    assert!(wang.sync_now().await.is_empty());
    (shop, wang)
}

/// Four weeks of the shop's history, the week before last and the three before: 24
/// green teas a week (orders placed now, then moved back).
async fn four_weeks_of_tea(server: &TestServer, shop: &mut Device) {
    for week in 1..=4u8 {
        shop.place_order(&[("BEV-0001", 24)], week);
    }
    assert!(shop.sync_now().await.is_empty());
    with_store(server, |tx| {
        for week in 1..=4i64 {
            let id = RequestId::from_random_bytes([u8::try_from(week).unwrap(); 16]);
            tx.execute(
                "UPDATE order_lines SET received_ms = received_ms - ?2 WHERE request_id = ?1",
                server::params![id.as_str(), (week + 1) * WEEK_MS],
            )?;
        }
        Ok(())
    })
    .await;
}

/// The forecast accuracy report by manager over the last 30 days, as `token` sees it.
async fn accuracy_by_manager(server: &TestServer, token: &str) -> serde_json::Value {
    let from = domain::quota::local_date(
        server::store::now_ms() - 30 * DAY_MS,
        domain::checkout::UTC_OFFSET_MINUTES,
    );
    let (status, report) = call(
        server,
        token,
        Method::GET,
        &format!("/api/reports/forecast-accuracy?by=manager&from={from}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    report
}

#[tokio::test]
async fn a_manager_suggests_adjusts_and_sends_the_shop_edits_and_accepts_and_the_accuracy_counts_it()
 {
    let server = spawn_server().await;
    let mut shop = Device::new(&server, "lotus", "lotus123").await;
    assert!(shop.sync_now().await.is_empty());
    // Four weeks of history, the week before last and the three before: 24 green teas a
    // week.
    four_weeks_of_tea(&server, &mut shop).await;

    let wang_token = token(&server, "wang", "wang123").await;
    let (demand, tea) = lotus_demand(&server, &wang_token).await;
    assert_eq!(tea.weeks.iter().sum::<u32>(), 96, "{tea:?}");
    // Two years of weeks, the product's from its first order on.
    assert_eq!(demand.paused.len(), domain::forecast::HISTORY_WEEKS);
    assert!(tea.weeks.len() <= demand.paused.len() && tea.weeks.first() != Some(&0));
    let suggested = suggest_order(&demand);
    let line = suggested
        .iter()
        .find(|l| l.sku.as_str() == "BEV-0001")
        .unwrap();
    // 24 a week in whole cases of 12, times whatever holiday this week is in.
    assert_eq!(line.quantity % 12, 0);
    assert!(line.quantity > 0);

    // A shop owner and another shop's owner get no demand; a made-up shop is a 403 for a
    // manager not looking after it.
    let bamboo_token = token(&server, "bamboo", "bamboo123").await;
    for (who, path) in [
        (&bamboo_token, "/api/shops/shop-lotus/demand"),
        (&wang_token, "/api/shops/shop-nowhere/demand"),
        (&wang_token, "/api/shops/Bad%20Id/demand"),
    ] {
        let (status, body) = call(&server, who, Method::GET, path, None).await;
        assert!(
            (400..500).contains(&status) && body["error"].is_string(),
            "{path}: {status} {body}"
        );
    }

    // The manager adjusts (one case more) and sends it.
    let mut wang = Device::new(&server, "wang", "wang123").await;
    wang.shop = lotus();
    assert!(wang.sync_now().await.is_empty());
    let proposal = Proposal {
        id: RequestId::from_random_bytes([0x77; 16]),
        shop: lotus(),
        by: "王经理".into(),
        sent_ms: server::store::now_ms(),
        week_ms: demand.week_ms,
        lines: vec![ProposedLine {
            sku: line.sku.clone(),
            quantity: line.quantity + 12,
            why: domain::forecast::Why {
                suggested: Some(line.quantity),
                ..line.why.clone()
            },
        }],
    };
    proposal_doc::send(wang.doc_mut(DocId::Proposal(lotus())), &proposal).unwrap();
    assert!(wang.sync_now().await.is_empty());
    assert!(shop.sync_now().await.is_empty());
    let held = open_proposal(shop.sync.doc(&DocId::Proposal(lotus())).unwrap()).unwrap();
    assert_eq!(held.proposal, proposal);

    // Offline on both sides: the shop adds cola, the manager lowers the tea by a case.
    let pid = proposal.id.as_str().to_owned();
    let cola = Sku::parse("BEV-0002").unwrap();
    proposal_doc::set_quantity(
        shop.doc_mut(DocId::Proposal(lotus())),
        &pid,
        &cola,
        12,
        "s1",
    )
    .unwrap();
    proposal_doc::set_quantity(
        wang.doc_mut(DocId::Proposal(lotus())),
        &pid,
        &line.sku,
        line.quantity,
        "w1",
    )
    .unwrap();
    assert!(shop.sync_now().await.is_empty());
    assert!(wang.sync_now().await.is_empty());
    assert!(shop.sync_now().await.is_empty());
    let merged = open_proposal(shop.sync.doc(&DocId::Proposal(lotus())).unwrap()).unwrap();
    let lines: Vec<(String, u32)> = merged
        .lines
        .iter()
        .map(|l| (l.sku.to_string(), l.quantity))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("BEV-0001".to_string(), line.quantity),
            ("BEV-0002".to_string(), 12)
        ]
    );
    assert_eq!(
        open_proposal(wang.sync.doc(&DocId::Proposal(lotus())).unwrap())
            .unwrap()
            .lines,
        merged.lines
    );

    // The shop accepts: the order takes the proposal's id. The manager, offline, places
    // it for the shop too: one order.
    let order_lines: Vec<(&str, u32)> = merged
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity))
        .collect();
    shop.place_order_with_id(&order_lines, proposal.id.clone());
    wang.place_order_with_id(&order_lines, proposal.id.clone());
    let answer = ProposalAnswer {
        proposal: proposal.id.clone(),
        answer: Answer::Ordered,
        by: "店主".into(),
        at_ms: server::store::now_ms(),
    };
    proposal_doc::answer(shop.doc_mut(DocId::Proposal(lotus())), &answer).unwrap();
    assert!(wang.sync_now().await.is_empty());
    assert!(shop.sync_now().await.is_empty());
    assert!(wang.sync_now().await.is_empty());
    assert!(open_proposal(wang.sync.doc(&DocId::Proposal(lotus())).unwrap()).is_none());
    let orders = with_store(&server, {
        let id = proposal.id.as_str().to_owned();
        move |tx| {
            Ok(tx.value::<i64>(
                "SELECT COUNT(*) FROM orders WHERE request_id = ?1",
                server::params![id.as_str()],
            )?)
        }
    })
    .await;
    assert_eq!(orders, Some(1));

    // A week later the accuracy report judges it: proposed tea + 12 (as sent) against
    // what was ordered.
    with_store(&server, {
        let id = proposal.id.as_str().to_owned();
        move |tx| {
            tx.execute(
                "UPDATE proposals SET sent_ms = sent_ms - ?2 WHERE id = ?1",
                server::params![id.as_str(), 8 * DAY_MS],
            )?;
            tx.execute(
                "UPDATE order_lines SET received_ms = received_ms - ?2 WHERE request_id = ?1",
                server::params![id.as_str(), 8 * DAY_MS],
            )?;
            Ok(())
        }
    })
    .await;
    let report = accuracy_by_manager(&server, &wang_token).await;
    let row = &report["rows"][0];
    assert_eq!(row["key"], "wang", "{report}");
    assert_eq!(
        (
            row["proposals"].as_u64(),
            row["ordered"].as_u64(),
            row["judged"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    // Tea: proposed q + 12, ordered q; cola: proposed 0, ordered 12 → 24 / (q + 12).
    let q = u64::from(line.quantity);
    assert_eq!(row["proposed_units"].as_u64(), Some(q + 12), "{report}");
    assert_eq!(row["ordered_units"].as_u64(), Some(q + 12));
    let wape = rust_decimal::Decimal::from(2400) / rust_decimal::Decimal::from(q + 12);
    assert_eq!(
        row["wape"],
        json!(format!("{:.1}", wape.round_dp(1))),
        "{report}"
    );
    assert_eq!(row["bias"], json!("0.0"), "{report}");
    // A shop owner gets no report.
    let (status, _) = call(
        &server,
        &bamboo_token,
        Method::GET,
        "/api/reports/forecast-accuracy",
        None,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_calendar_is_data_admins_edit_and_a_paused_week_gets_no_suggestion() {
    let server = spawn_server().await;
    let admin = token(&server, "admin", "admin123").await;
    let wang = token(&server, "wang", "wang123").await;
    let (status, calendar) = call(&server, &wang, Method::GET, "/api/holidays", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = calendar["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    for name in ["春节", "中秋", "国庆"] {
        assert!(names.contains(&name), "{names:?}");
    }
    // Only admins change it; bad entries name their field and change nothing.
    let (status, _) = call(
        &server,
        &wang,
        Method::PUT,
        "/api/admin/holidays",
        Some(calendar.clone()),
    )
    .await;
    assert_eq!(status, 403);
    for (entry, field) in [
        (
            json!({"name": "x", "from": "2027-13-01", "until": "2027-12-02", "factor": "1"}),
            "from",
        ),
        (
            json!({"name": "x", "from": "2027-02-01", "until": "2027-01-02", "factor": "1"}),
            "until",
        ),
        (
            json!({"name": "x", "from": "2027-02-01", "until": "2027-02-02", "factor": "-1"}),
            "factor",
        ),
        (
            json!({"name": "", "from": "2027-02-01", "until": "2027-02-02", "factor": "1"}),
            "name",
        ),
    ] {
        let (status, body) = call(
            &server,
            &admin,
            Method::PUT,
            "/api/admin/holidays",
            Some(json!({ "holidays": [entry] })),
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{body}"
        );
    }
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/holidays",
        Some(json!({"holidays": [{"name": "开学季", "from": "2027-08-25", "until": "2027-09-05", "factor": "1.3"}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, calendar) = call(&server, &wang, Method::GET, "/api/holidays", None).await;
    assert_eq!(calendar["holidays"].as_array().unwrap().len(), 1);

    // The manager records a closure from today: this week is paused, nothing suggested.
    let today = domain::quota::local_date(
        server::store::now_ms(),
        domain::checkout::UTC_OFFSET_MINUTES,
    );
    let until = domain::quota::local_date(
        server::store::now_ms() + 20 * DAY_MS,
        domain::checkout::UTC_OFFSET_MINUTES,
    );
    let (status, pauses) = call(
        &server,
        &wang,
        Method::POST,
        "/api/shops/shop-lotus/pauses",
        Some(json!({"from": today, "until": until, "note": "装修"})),
    )
    .await;
    assert_eq!(status, 201, "{pauses}");
    let (_, demand) = call(
        &server,
        &wang,
        Method::GET,
        "/api/shops/shop-lotus/demand",
        None,
    )
    .await;
    let demand: ShopDemand = serde_json::from_value(demand).unwrap();
    assert!(demand.next_paused);
    assert!(suggest_order(&demand).is_empty());
    let (status, body) = call(
        &server,
        &wang,
        Method::POST,
        "/api/shops/shop-lotus/pauses",
        Some(json!({"from": until, "until": today})),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("until")));
    let id = pauses[0]["id"].as_i64().unwrap();
    let (status, left) = call(
        &server,
        &wang,
        Method::DELETE,
        &format!("/api/shops/shop-lotus/pauses/{id}"),
        None,
    )
    .await;
    assert_eq!((status, left.as_array().map(Vec::len)), (200, Some(0)));
    // The shop's owner may not record its manager's pauses.
    let lotus = token(&server, "lotus", "lotus123").await;
    let (status, _) = call(
        &server,
        &lotus,
        Method::POST,
        "/api/shops/shop-lotus/pauses",
        Some(json!({"from": today, "until": until})),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_managers_visit_is_recorded_once_and_only_for_his_shops() {
    let server = spawn_server().await;
    let wang = token(&server, "wang", "wang123").await;
    let visit = json!({
        "id": "visit-0001", "shop": "shop-lotus", "visited_ms": server::store::now_ms(),
        "note": "店主说下周进冷饮", "next_visit": "2027-01-08",
    });
    for _ in 0..2 {
        let (status, latest) = call(
            &server,
            &wang,
            Method::POST,
            "/api/visits",
            Some(visit.clone()),
        )
        .await;
        assert_eq!(status, 200, "{latest}");
        assert_eq!(latest.as_array().unwrap().len(), 1, "{latest}");
        assert_eq!(latest[0]["next_visit"], "2027-01-08");
        assert_eq!(latest[0]["manager"], "wang");
    }
    let count = with_store(&server, |tx| {
        Ok(tx.value::<i64>("SELECT COUNT(*) FROM visits", server::params![])?)
    })
    .await;
    assert_eq!(count, Some(1));
    // Not his shop, not a manager, a bad date or id: refused, nothing stored.
    let lotus = token(&server, "lotus", "lotus123").await;
    for (who, change, status, field) in [
        (&wang, json!({"shop": "shop-peach"}), 403, None),
        (&lotus, json!({}), 403, None),
        (
            &wang,
            json!({"next_visit": "2027-02-30"}),
            400,
            Some("next_visit"),
        ),
        (&wang, json!({"id": "no spaces"}), 400, Some("id")),
    ] {
        let mut body = visit.clone();
        body["id"] = json!("visit-0002");
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let (got, error) = call(&server, who, Method::POST, "/api/visits", Some(body)).await;
        assert_eq!((got, error["field"].as_str()), (status, field), "{error}");
    }
    let (status, latest) = call(&server, &wang, Method::GET, "/api/visits", None).await;
    assert_eq!((status, latest.as_array().map(Vec::len)), (200, Some(1)));

    // A second visit: the shop's history (the back office's customer page) lists both,
    // newest first; the latest per shop is the second.
    let mut later = visit.clone();
    later["id"] = json!("visit-0003");
    later["visited_ms"] = json!(server::store::now_ms() + 1000);
    later["note"] = json!("冷饮已到");
    let (status, _) = call(&server, &wang, Method::POST, "/api/visits", Some(later)).await;
    assert_eq!(status, 200);
    let admin = token(&server, "admin", "admin123").await;
    let (status, history) = call(
        &server,
        &admin,
        Method::GET,
        "/api/visits?shop=shop-lotus",
        None,
    )
    .await;
    assert_eq!(status, 200, "{history}");
    let notes: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["冷饮已到", "店主说下周进冷饮"]);
    // Staff see who visited by the name they know him by.
    assert_eq!(
        (
            history[0]["manager"].as_str(),
            history[0]["manager_name"].as_str()
        ),
        (Some("wang"), Some("王经理 Manager Wang"))
    );
    // Another manager's shop, a shop owner, a malformed shop: refused.
    for (who, path, status) in [
        (&wang, "/api/visits?shop=shop-peach", 403),
        (&lotus, "/api/visits?shop=shop-lotus", 403),
        (&admin, "/api/visits?shop=Bad%20Id", 400),
    ] {
        let (got, body) = call(&server, who, Method::GET, path, None).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
}

/// Two years in which green tea sold triple in one week (the admin calls it 店庆 and
/// guessed 1.2): the factor of this year's 店庆 week comes from the data, for the
/// category, and the suggestion follows it; ordinary weeks stay about 1.
#[tokio::test]
async fn a_holiday_the_data_saw_twice_gets_its_factor_from_the_data() {
    let server = spawn_server().await;
    let mut shop = Device::new(&server, "lotus", "lotus123").await;
    assert!(shop.sync_now().await.is_empty());
    let id = shop.place_order(&[("BEV-0001", 24)], 0x31);
    assert!(shop.sync_now().await.is_empty());
    let offset = domain::checkout::UTC_OFFSET_MINUTES;
    let today =
        domain::quota::period_start(domain::quota::Period::Day, server::store::now_ms(), offset);
    // 150 weeks of 24 a week, 72 in the weeks 52 and 104 weeks back; lines of the one
    // real order, each in a week of its own.
    let request = id.as_str().to_string();
    with_store(&server, move |tx| {
        tx.execute(
            "UPDATE order_lines SET received_ms = received_ms - ?2 WHERE request_id = ?1",
            server::params![request.as_str(), 151 * WEEK_MS],
        )?;
        for back in 1..=150i64 {
            let quantity: i64 = if back == 52 || back == 104 { 72 } else { 24 };
            tx.execute(
                "INSERT INTO order_lines (request_id, line, shop, sku, quantity, received_ms, live)
                 VALUES (?1, ?2, 'shop-lotus', 'BEV-0001', ?3, ?4, 1)",
                server::params![
                    request.as_str(),
                    100 + back,
                    quantity,
                    today - back * WEEK_MS + DAY_MS / 2
                ],
            )?;
        }
        Ok(())
    })
    .await;
    let admin = token(&server, "admin", "admin123").await;
    // The week starting 104, 52 and 0 weeks back, Monday or not: six days after "from".
    let holidays: Vec<_> = [104i64, 52, 0]
        .iter()
        .map(|back| {
            let from = today - back * WEEK_MS + DAY_MS / 2;
            json!({
                "name": "店庆",
                "from": domain::quota::local_date(from, offset),
                "until": domain::quota::local_date(from + 6 * DAY_MS, offset),
                "factor": "1.2",
            })
        })
        .collect();
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/holidays",
        Some(json!({ "holidays": holidays })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let wang = token(&server, "wang", "wang123").await;
    let (demand, tea) = lotus_demand(&server, &wang).await;
    let category = demand
        .categories
        .iter()
        .find(|c| Some(&c.category) == tea.category.as_ref())
        .expect("the tea's category has factors");
    // The past weeks, this week, then the weeks after it an order may cover.
    let cover = domain::forecast::MAX_COVER_WEEKS as usize;
    assert_eq!(
        category.factors.len(),
        domain::forecast::HISTORY_WEEKS + cover
    );
    assert_eq!(demand.ahead.len(), cover - 1);
    // This week: (≈2.9 + ≈2.9 + the admin's 1.2) / 3 ≈ 2.3.
    let ahead = category.factors[domain::forecast::HISTORY_WEEKS];
    assert!(
        ahead > rust_decimal::Decimal::TWO && ahead < rust_decimal::Decimal::from(3),
        "{ahead}"
    );
    assert_eq!(demand.next_factor, "1.2".parse().unwrap());
    // A year ago, read against the two other years: about 2.3 too; an ordinary week ≈ 1.
    let year_ago = category.factors[domain::forecast::HISTORY_WEEKS - 52];
    assert!(year_ago > rust_decimal::Decimal::TWO, "{year_ago}");
    let ordinary = category.factors[domain::forecast::HISTORY_WEEKS - 30];
    assert!(
        (ordinary - rust_decimal::Decimal::ONE).abs() < "0.1".parse().unwrap(),
        "{ordinary}"
    );
    // The suggestion: about 24 a week (the holiday weeks divided back), times ≈2.3.
    let line = suggest_order(&demand)
        .into_iter()
        .find(|l| l.sku.as_str() == "BEV-0001")
        .unwrap();
    assert_eq!(line.why.factor, ahead);
    assert!(
        line.why.weekly > rust_decimal::Decimal::from(22)
            && line.why.weekly < rust_decimal::Decimal::from(27),
        "{line:?}"
    );
    assert!(line.quantity >= 36, "{line:?}");
    // Covering two weeks: the holiday week and an ordinary one after it (the holiday
    // ends with this week; its factor there is the data's ≈2.3, the next ≈1).
    assert!(demand.ahead[0].holidays.is_empty() && !demand.ahead[0].paused);
    let next = category.factors[domain::forecast::HISTORY_WEEKS + 1];
    assert!(
        (next - rust_decimal::Decimal::ONE).abs() < "0.2".parse().unwrap(),
        "{next}"
    );
    let two = domain::forecast::suggest_order_covering(&demand, 2)
        .into_iter()
        .find(|l| l.sku.as_str() == "BEV-0001")
        .unwrap();
    assert_eq!(two.why.weeks, 2);
    assert_eq!(
        two.why.factor,
        ((ahead + next) / rust_decimal::Decimal::TWO).round_dp(2)
    );
    assert!(two.quantity > line.quantity, "{two:?} {line:?}");

    // The shop orders that much this morning: asked again, the manager's phone counts it
    // as in the shop and suggests no more tea.
    shop.place_order(&[("BEV-0001", line.quantity)], 0x32);
    assert!(shop.sync_now().await.is_empty());
    let (demand, tea) = lotus_demand(&server, &wang).await;
    assert_eq!(tea.ordered, line.quantity);
    assert!(
        !suggest_order(&demand)
            .iter()
            .any(|l| l.sku.as_str() == "BEV-0001"),
        "{:?}",
        suggest_order(&demand)
    );
}

/// A proposal covering two weeks (until the manager's next visit) is judged against what
/// the shop ordered in those two weeks, once they have passed.
#[tokio::test]
async fn a_two_week_proposal_is_judged_against_two_weeks_of_orders() {
    let server = spawn_server().await;
    let (mut shop, mut wang) = lotus_and_wang(&server).await;
    let tea = Sku::parse("BEV-0001").unwrap();
    let two_weeks = |byte: u8| Proposal {
        id: RequestId::from_random_bytes([byte; 16]),
        shop: lotus(),
        by: "王经理".into(),
        sent_ms: server::store::now_ms(),
        week_ms: 0,
        lines: vec![ProposedLine {
            sku: tea.clone(),
            quantity: 48,
            why: domain::forecast::Why {
                weekly: 24.into(),
                weeks: 2,
                ..domain::forecast::Why::default()
            },
        }],
    };
    // The first, then an answer to it (so the second can be sent).
    let first = two_weeks(0x51);
    proposal_doc::send(wang.doc_mut(DocId::Proposal(lotus())), &first).unwrap();
    assert!(wang.sync_now().await.is_empty());
    let declined = ProposalAnswer {
        proposal: first.id.clone(),
        answer: Answer::Declined,
        by: "店主".into(),
        at_ms: server::store::now_ms(),
    };
    proposal_doc::answer(wang.doc_mut(DocId::Proposal(lotus())), &declined).unwrap();
    let second = two_weeks(0x52);
    proposal_doc::send(wang.doc_mut(DocId::Proposal(lotus())), &second).unwrap();
    assert!(wang.sync_now().await.is_empty());
    // The shop orders 24 in each of the first proposal's two weeks.
    let week_one = shop.place_order(&[("BEV-0001", 24)], 0x61);
    let week_two = shop.place_order(&[("BEV-0001", 24)], 0x62);
    assert!(shop.sync_now().await.is_empty());
    let moves = vec![
        (first.id.as_str().to_owned(), "proposals", 15 * DAY_MS),
        (second.id.as_str().to_owned(), "proposals", 10 * DAY_MS),
        (week_one.as_str().to_owned(), "order_lines", 14 * DAY_MS),
        (week_two.as_str().to_owned(), "order_lines", 6 * DAY_MS),
    ];
    with_store(&server, move |tx| {
        for (id, table, back) in &moves {
            let (column, key) = match *table {
                "proposals" => ("sent_ms", "id"),
                _ => ("received_ms", "request_id"),
            };
            tx.execute(
                &format!("UPDATE {table} SET {column} = {column} - ?2 WHERE {key} = ?1"),
                server::params![id.as_str(), *back],
            )?;
        }
        Ok(())
    })
    .await;
    let wang_token = token(&server, "wang", "wang123").await;
    let report = accuracy_by_manager(&server, &wang_token).await;
    let row = &report["rows"][0];
    // Two sent; the second's two weeks have not passed: only the first is judged, 48
    // proposed against 24 + 24 ordered.
    assert_eq!(
        (row["proposals"].as_u64(), row["judged"].as_u64()),
        (Some(2), Some(1)),
        "{report}"
    );
    assert_eq!(row["proposed_units"].as_u64(), Some(48), "{report}");
    assert_eq!(row["ordered_units"].as_u64(), Some(48), "{report}");
    assert_eq!(row["wape"], json!("0.0"), "{report}");
}

/// A shelf count the manager sends with a proposal carries into the shop's next
/// suggestions (from any phone): the count, plus what the shop ordered since, less what it
/// sold since at its rate; a count older than four weeks is not carried.
#[tokio::test]
async fn a_shelf_count_sent_with_a_proposal_carries_into_the_next_suggestion() {
    let server = spawn_server().await;
    let (mut shop, mut wang) = lotus_and_wang(&server).await;
    four_weeks_of_tea(&server, &mut shop).await;
    // Enough tea in the warehouse that the stock does not cap the suggestion.
    let admin = token(&server, "admin", "admin123").await;
    let (status, body) = call(
        &server,
        &admin,
        Method::PUT,
        "/api/admin/stock/wh-east/BEV-0001",
        Some(json!({ "on_hand": 1000, "safety": 0 })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let wang_token = token(&server, "wang", "wang123").await;
    let (_, tea) = lotus_demand(&server, &wang_token).await;
    assert_eq!(tea.shelf, None);

    // Eight days ago the manager counted 5 on the shelf and sent a case with it; the shop
    // ordered 12 more three days ago.
    let counted_ms = server::store::now_ms() - 8 * DAY_MS;
    let proposal = Proposal {
        id: RequestId::from_random_bytes([0x81; 16]),
        shop: lotus(),
        by: "王经理".into(),
        sent_ms: counted_ms,
        week_ms: 0,
        lines: vec![ProposedLine {
            sku: Sku::parse("BEV-0001").unwrap(),
            quantity: 12,
            why: domain::forecast::Why {
                weekly: 24.into(),
                on_hand: 5,
                counted: true,
                ..domain::forecast::Why::default()
            },
        }],
    };
    proposal_doc::send(wang.doc_mut(DocId::Proposal(lotus())), &proposal).unwrap();
    assert!(wang.sync_now().await.is_empty());
    let later = shop.place_order(&[("BEV-0001", 12)], 0x82);
    assert!(shop.sync_now().await.is_empty());
    let later = later.as_str().to_owned();
    with_store(&server, move |tx| {
        tx.execute(
            "UPDATE order_lines SET received_ms = received_ms - ?2 WHERE request_id = ?1",
            server::params![later.as_str(), 3 * DAY_MS],
        )?;
        Ok(())
    })
    .await;
    let (demand, tea) = lotus_demand(&server, &wang_token).await;
    assert_eq!(
        tea.shelf,
        Some(domain::forecast::ShelfCount {
            units: 5,
            counted_ms,
            ordered_since: 12,
        })
    );
    // The suggestion starts from it: 5 + 12 less what sold in the eight days since (more
    // than a week at the shop's rate), and says when it was counted.
    let lines = suggest_order(&demand);
    let count = lines
        .iter()
        .find(|l| l.sku.as_str() == "BEV-0001")
        .unwrap_or_else(|| panic!("a line for green tea: {lines:?} {tea:?}"));
    assert!(count.why.counted, "{count:?}");
    assert_eq!(count.why.counted_ms, Some(counted_ms));
    assert!(count.why.on_hand < 17, "{count:?}");

    // A count of five weeks ago is not carried.
    with_store(&server, |tx| {
        tx.execute(
            "UPDATE shelf_counts SET counted_ms = counted_ms - ?1",
            server::params![27 * DAY_MS],
        )?;
        Ok(())
    })
    .await;
    let (_, tea) = lotus_demand(&server, &wang_token).await;
    assert_eq!(tea.shelf, None);

    // A phone whose clock runs three days ahead: its count is taken as made when it
    // reached the server, never later.
    let declined = ProposalAnswer {
        proposal: proposal.id.clone(),
        answer: Answer::Declined,
        by: "店主".into(),
        at_ms: server::store::now_ms(),
    };
    proposal_doc::answer(wang.doc_mut(DocId::Proposal(lotus())), &declined).unwrap();
    let ahead = Proposal {
        id: RequestId::from_random_bytes([0x83; 16]),
        sent_ms: server::store::now_ms() + 3 * DAY_MS,
        ..proposal.clone()
    };
    proposal_doc::send(wang.doc_mut(DocId::Proposal(lotus())), &ahead).unwrap();
    let before_sync = server::store::now_ms();
    assert!(wang.sync_now().await.is_empty());
    let (_, tea) = lotus_demand(&server, &wang_token).await;
    let shelf = tea.shelf.expect("the new count");
    assert!(
        shelf.counted_ms >= before_sync && shelf.counted_ms <= server::store::now_ms(),
        "{shelf:?}"
    );
}
