//! The OpenAPI 3.1 document, generated from the route table ([`crate::api::routes`]).

use crate::api::routes;
use axum::Json;
use serde_json::{json, Map, Value};

fn problem(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false})
}

/// The JSON body an operation takes (the handlers refuse unknown fields).
pub fn body_schema(method: &str, path: &str) -> Value {
    let s = json!({"type": "string"});
    let i = json!({"type": "integer"});
    let b = json!({"type": "boolean"});
    let role = json!({"type": "string", "enum": ["admin", "auditor", "viewer"]});
    let lang = json!({"type": "string", "enum": ["vi", "en"]});
    let targets = json!({"type": "array", "items": {"type": "string"}, "maxItems": 256});
    match (method, path) {
        ("POST", "/api/v1/login") => object(
            &["username", "password"],
            json!({"username": s, "password": s}),
        ),
        ("PATCH", "/api/v1/me") => object(
            &[],
            json!({"lang": lang, "password": s, "current_password": s}),
        ),
        ("POST", "/api/v1/users") => object(
            &["username", "role"],
            json!({"username": s, "role": role, "password": s, "lang": lang}),
        ),
        ("PATCH", "/api/v1/users/{id}") => {
            object(&[], json!({"role": role, "password": s, "lang": lang}))
        }
        ("POST", "/api/v1/tokens") => object(&["name"], json!({"name": s, "role": role})),
        ("POST", "/api/v1/sites") => object(&["name"], json!({"name": s, "address": s})),
        ("PATCH", "/api/v1/sites/{id}") => object(&[], json!({"name": s, "address": s})),
        ("PUT", "/api/v1/settings") => object(
            &[],
            json!({"organisation": s, "default_baseline": s, "default_lang": lang,
                   "session_idle_minutes": {"type": "integer", "minimum": crate::settings::IDLE_MINUTES.0, "maximum": crate::settings::IDLE_MINUTES.1},
                   "scan_rate": {"type": "integer", "minimum": crate::settings::SCAN_RATE.0, "maximum": crate::settings::SCAN_RATE.1},
                   "scan_concurrency": {"type": "integer", "minimum": crate::settings::SCAN_CONCURRENCY.0, "maximum": crate::settings::SCAN_CONCURRENCY.1}}),
        ),
        ("POST", "/api/v1/systems") => object(
            &["site_id", "name", "security_level", "owner"],
            json!({"site_id": i, "name": s, "security_level": {"type": "integer", "minimum": 1, "maximum": 5}, "owner": s}),
        ),
        ("PATCH", "/api/v1/systems/{id}") => object(
            &[],
            json!({"name": s, "security_level": {"type": "integer", "minimum": 1, "maximum": 5}, "owner": s}),
        ),
        ("POST", "/api/v1/scopes") => {
            object(&["system_id", "cidr"], json!({"system_id": i, "cidr": s}))
        }
        ("POST", "/api/v1/scans") => object(
            &["system_id"],
            json!({"system_id": i, "targets": targets,
                   "ports": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
                   "check_credentials": b, "prove_streams": b}),
        ),
        ("POST", "/api/v1/schedules") => object(
            &["system_id", "spec"],
            json!({"system_id": i, "spec": s, "targets": targets}),
        ),
        ("POST", "/api/v1/attestations") => object(
            &["subject", "baseline", "provision", "status", "document"],
            json!({"subject": s, "baseline": s, "provision": s,
                   "status": {"type": "string", "enum": ["pass", "fail"]}, "document": s, "note": s}),
        ),
        _ => json!({"type": "object"}),
    }
}

/// Build the document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for route in routes() {
        let method = route.method.as_str().to_ascii_lowercase();
        let mut params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}}))
            .collect();
        for q in route.query {
            let schema = match *q {
                "page" | "per_page" | "site" | "system" | "old" | "new" => {
                    json!({"type": "integer", "minimum": 1})
                }
                "camera" => json!({"type": "boolean"}),
                "first_seen" | "last_seen" => json!({"type": "string", "format": "date-time"}),
                _ => json!({"type": "string"}),
            };
            params.push(json!({"name": q, "in": "query", "required": false, "schema": schema}));
        }
        let op_id = format!(
            "{}{}",
            method,
            route
                .path
                .trim_start_matches("/api/v1/")
                .split(['/', '.', '{', '}'])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    let mut c = s.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect::<String>()
        );
        let mut responses = json!({
            "200": {"description": "success", "content": {"application/json": {"schema": {}}}},
            "400": problem("bad request"),
            "default": problem("error"),
        });
        if route.role.is_some() {
            responses["401"] = problem("not signed in");
            responses["403"] = problem("role too weak, or missing CSRF token on a cookie session");
        }
        let mut op = json!({
            "operationId": op_id,
            "summary": route.summary,
            "parameters": params,
            "responses": responses,
        });
        match route.role {
            Some(role) => {
                op["security"] = json!([{"session": []}, {"token": []}]);
                op["x-camguard-role"] = json!(role.as_str());
            }
            None => op["security"] = json!([]),
        }
        if route.body {
            op["requestBody"] = json!({"required": true,
                "content": {"application/json": {"schema": body_schema(route.method.as_str(), route.path)}}});
        }
        paths
            .entry(route.path.trim_start_matches("/api/v1").to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|m| m.insert(method, op));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "camguard API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The camguard inventory, scans and compliance over the database the CLI writes. \
                Errors are RFC 9457 problem documents. Lists take ?page=&per_page= and answer \
                {items,total,page,per_page} with Link and X-Total-Count headers. Cookie sessions send \
                X-CSRF-Token on unsafe methods; API tokens (Authorization: Bearer) do not."
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
                "token": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status", "detail", "code"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"},
                    "status": {"type": "integer"}, "detail": {"type": "string"},
                    "code": {"type": "string", "enum": crate::error::Problem::ALL.iter().map(|p| p.code()).collect::<Vec<_>>(),
                             "description": "stable code (type is urn:camguard:problem:<code>)"}}}
            }
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn handler() -> Json<Value> {
    Json(document())
}
