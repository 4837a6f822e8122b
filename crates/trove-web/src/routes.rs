//! [`Route`]: who may use each route of a router. Each server crate keeps
//! a table of its routes beside its router, and the authorization matrix
//! (`trove/tests/authorization.rs`) checks the table against the router's
//! source (a route missing from it fails) and every entry against the
//! running server for every kind of caller.

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a session: pages, log-in forms, static files.
    Anyone,
    /// A logged-in source.
    Source,
    /// A logged-in desk user of any role.
    DeskUser,
    /// A desk user who decides: an editor or an admin.
    Editor,
    /// A desk admin.
    Admin,
    /// A media partner's user (the partner portal only).
    Partner,
    /// The desk's pull client, with the API key (`Authorization: Bearer`).
    ApiKey,
    /// Whoever holds a resumable upload's URL, whose key is the capability
    /// (so that an upload resumes after its session has ended).
    UploadUrl,
}

/// One method on one path, and who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// The path as the router writes it (`/desk/s/{id}`).
    pub path: &'static str,
    pub access: Access,
    /// A form post that must carry its session's CSRF token.
    pub csrf: bool,
}

impl Route {
    pub const fn new(method: &'static str, path: &'static str, access: Access) -> Route {
        Route {
            method,
            path,
            access,
            csrf: false,
        }
    }

    /// A form post that must carry its session's CSRF token.
    pub const fn form(path: &'static str, access: Access) -> Route {
        Route {
            method: "POST",
            path,
            access,
            csrf: true,
        }
    }
}
