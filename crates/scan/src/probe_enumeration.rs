//! Opt-in user enumeration test (`--check-user-enumeration`): three failed logins with random
//! wrong passwords on one login surface, in the order random nonexistent user, named account
//! (default `admin`), nonexistent user again. The answers are normalised (nonces, counters,
//! dates removed); the named account's answer differing from the nonexistent user's means the
//! device tells which user names exist. The two nonexistent-user answers must agree, otherwise
//! the device changed state in between (e.g. locked) and the comparison proves nothing.
//!
//! The three failures count towards the device's lockout. Vendor login endpoints
//! (`data/scan/intrusive.toml`) are preferred, where vendors word failures; the web UI's own
//! Basic/Digest login on `/` comes last.

use crate::login_surface::{
    attempt, first_present, random_token, vendor_surfaces, web_auth_surface, Answer,
};
use crate::probe::HostCtx;
use camguard_model::{EnumerationResponse, EnumerationTest, HostObservation};

fn response(user: &str, a: &Answer) -> EnumerationResponse {
    EnumerationResponse {
        user: user.into(),
        status: a.status,
        response: a.response.clone(),
    }
}

/// Run the test on one host (`None` when it is not enabled or no login surface exists).
pub(crate) async fn user_enumeration(
    ctx: &HostCtx,
    obs: &HostObservation,
) -> Option<EnumerationTest> {
    let named = ctx.cfg.user_enumeration.as_ref()?;
    let ghost = format!("cg{}", random_token(10));
    let wrong = format!("cg-{}", random_token(16));
    let candidates: Vec<_> = vendor_surfaces(obs)
        .into_iter()
        .chain(web_auth_surface(obs))
        .collect();
    tracing::info!(host = %ctx.ip, account = %named, "user enumeration test: three failed logins");
    let (surface, a1) = first_present(ctx, candidates, &ghost, &wrong).await?;
    let a2 = attempt(ctx, &surface, named, &wrong).await;
    let a3 = attempt(ctx, &surface, &ghost, &wrong).await;
    for (n, a) in [(1, &a1), (2, &a2), (3, &a3)] {
        tracing::info!(
            host = %ctx.ip, surface = %surface.id, port = surface.port, attempt = n,
            status = ?a.status, outcome = a.outcome, "user enumeration attempt"
        );
    }
    let key = |a: &Answer| (a.status, a.response.clone());
    let answered = [&a1, &a2, &a3].iter().all(|a| a.outcome == "refused");
    let stable = answered && key(&a1) == key(&a3);
    Some(EnumerationTest {
        surface: surface.id.clone(),
        port: surface.port,
        path: surface.path.clone(),
        named_user: named.clone(),
        responses: vec![
            response("nonexistent", &a1),
            response("named", &a2),
            response("nonexistent", &a3),
        ],
        stable,
        distinguishes: stable && key(&a2) != key(&a1),
    })
}
