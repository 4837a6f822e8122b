//! Log-in (password and TOTP, each code good once: trove-app keeps the
//! last step in the database) and log-out.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_app::Role;
use trove_web::{clear_cookie, cookie, random_token, redirect, render, set_cookie, with_cookies};
use zeroize::Zeroizing;

use super::{ANON_COOKIE, COOKIE, DeskSession, DeskState, PATH, Shared, form_expired};

#[derive(Template)]
#[template(path = "desk_login.html")]
struct LoginPage {
    user: Option<String>,
    csrf: String,
    error: Option<String>,
}

pub(super) async fn login_page(State(state): Shared, headers: HeaderMap) -> Response {
    let (anon, set) = match cookie(&headers, ANON_COOKIE) {
        Some(value) => (value.to_owned(), None),
        None => match random_token::<32>() {
            Ok(value) => {
                let set = set_cookie(ANON_COOKIE, &value, PATH);
                (value, Some(set))
            }
            Err(_) => return super::unavailable(),
        },
    };
    let page = render(
        StatusCode::OK,
        &LoginPage {
            user: None,
            csrf: state.csrf.token(&anon),
            error: None,
        },
    );
    with_cookies(page, set.as_slice())
}

#[derive(serde::Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: Zeroizing<String>,
    #[serde(default)]
    code: String,
}

pub(super) async fn login(
    State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let anon = cookie(&headers, ANON_COOKIE);
    if !state.csrf.check(anon, &form.csrf) {
        return form_expired("the log-in page");
    }
    let again = |status, message: &str| {
        render(
            status,
            &LoginPage {
                user: None,
                csrf: state.csrf.token(anon.unwrap_or_default()),
                error: Some(message.to_owned()),
            },
        )
    };
    let throttle_key = state
        .csrf
        .keyed_hash("trove/desk-login-attempts/v1", form.name.as_bytes());
    if state.throttle.attempt(throttle_key).is_err() {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait a minute and try again.",
        );
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let user = match state
        .newsroom
        .login(&form.name, form.password.clone(), form.code.clone(), now)
        .await
    {
        Ok(Some(user)) => user,
        Ok(None) => return again(StatusCode::UNAUTHORIZED, "Name, password or code is wrong."),
        Err(_) => {
            return again(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable; try again.",
            );
        }
    };
    let Ok(role) = Role::parse(&user.role) else {
        return again(
            StatusCode::UNAUTHORIZED,
            "This account's role is damaged; ask an admin.",
        );
    };
    let token = state.sessions.start(DeskSession { user: user.name });
    let home = if role.at_desk() { "/desk/" } else { "/desk/partner/" };
    redirect(home, &[set_cookie(COOKIE, &token, PATH)])
}

#[derive(serde::Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

pub(super) async fn logout(
    State(state): State<Arc<DeskState>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let token = cookie(&headers, COOKIE);
    if !state.csrf.check(token, &form.csrf) {
        return form_expired("the page");
    }
    if let Some(token) = token {
        state.sessions.end(token);
    }
    redirect("/desk/login", &[clear_cookie(COOKIE, PATH)])
}
