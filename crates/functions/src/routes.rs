//! A service's HTTP routes, compiled for matching with API Gateway HTTP API rules: the most
//! specific path wins (literal over `{param}` over `{greedy+}`, segment by segment from the
//! left), then a named method over `ANY`, and `$default` only when nothing else matches.

use squall_types::{HttpMethod, RouteApi, RoutePath, RouteSegment, RouteSpec, percent_decode};
use std::sync::Arc;

/// The result of matching a request against a service's routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    /// A route serves it.
    Found {
        /// The function to invoke.
        function: String,
        /// The matched route key, e.g. `GET /greet/{name}`.
        route_key: String,
        /// Path parameters, decoded.
        params: Vec<(String, String)>,
        /// The kind of API the route belongs to, and its settings.
        api: Arc<RouteApi>,
    },
    /// Some route has this path, none has this method.
    MethodNotAllowed {
        /// Methods that would have matched.
        allowed: Vec<String>,
    },
    /// No route has this path.
    NotFound,
}

#[derive(Debug, Clone)]
struct Compiled {
    method: HttpMethod,
    segments: Option<Vec<RouteSegment>>,
    function: String,
    key: String,
    api: Arc<RouteApi>,
}

/// A service's routes, ready to match.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Compiled>,
    /// Every route belongs to a REST API (worked out once, asked on every request).
    rest_only: bool,
}

/// Rank of a segment kind; higher is more specific.
fn rank(seg: &RouteSegment) -> u8 {
    match seg {
        RouteSegment::Literal(_) => 3,
        RouteSegment::Param(_) => 2,
        RouteSegment::Greedy(_) => 1,
    }
}

impl RouteTable {
    /// Compiles `routes`; collisions were refused at deploy time.
    pub fn new(routes: &[RouteSpec]) -> Self {
        let routes = routes
            .iter()
            .map(|r| Compiled {
                method: r.key.method,
                segments: match &r.key.path {
                    RoutePath::Default => None,
                    RoutePath::Segments(s) => Some(s.clone()),
                },
                function: r.function.clone(),
                key: r.key.to_string(),
                api: Arc::new(r.api.clone()),
            })
            .collect::<Vec<Compiled>>();
        let rest_only = !routes.is_empty() && routes.iter().all(|r| r.api.is_rest());
        RouteTable { routes, rest_only }
    }

    /// Matches `method` and `path` (relative to the service, starting with `/`, still
    /// percent-encoded).
    pub fn resolve(&self, method: &str, path: &str) -> RouteMatch {
        let raw: Vec<&str> = match path.strip_prefix('/').unwrap_or(path) {
            "" => vec![],
            p => p.split('/').collect(),
        };
        let decoded: Vec<String> = raw.iter().map(|s| percent_decode(s)).collect();
        // (segment ranks, named method, route, params) of the best match so far.
        type Candidate<'a> = (Vec<u8>, bool, &'a Compiled, Vec<(String, String)>);
        let mut best: Option<Candidate<'_>> = None;
        let mut allowed = Vec::new();
        for r in &self.routes {
            let Some(segs) = &r.segments else { continue };
            let Some(params) = match_segments(segs, &raw, &decoded) else { continue };
            if !r.method.serves(method) {
                allowed.push(r.method.as_str().to_string());
                continue;
            }
            let score: Vec<u8> = segs.iter().map(rank).collect();
            let specific_method = r.method != HttpMethod::Any;
            let better = match &best {
                None => true,
                Some((s, m, _, _)) => (&score, specific_method) > (s, *m),
            };
            if better {
                best = Some((score, specific_method, r, params));
            }
        }
        if let Some((_, _, r, params)) = best {
            return RouteMatch::Found {
                function: r.function.clone(),
                route_key: r.key.clone(),
                params,
                api: r.api.clone(),
            };
        }
        if let Some(d) = self.routes.iter().find(|r| r.segments.is_none()) {
            return RouteMatch::Found {
                function: d.function.clone(),
                route_key: d.key.clone(),
                params: vec![],
                api: d.api.clone(),
            };
        }
        if allowed.is_empty() {
            RouteMatch::NotFound
        } else {
            allowed.sort();
            allowed.dedup();
            RouteMatch::MethodNotAllowed { allowed }
        }
    }

    /// Whether the table has no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Whether every route belongs to a REST API, so a request no route serves gets REST
    /// APIs' answer rather than HTTP APIs'.
    pub fn is_rest_only(&self) -> bool {
        self.rest_only
    }

    /// The CORS preflight a REST API gives `OPTIONS path`: the settings of the most
    /// specific REST resource matching `path` whose routes have `cors`, and the methods
    /// of that resource as the framework lists them (`OPTIONS,GET,POST`). `None` when no
    /// such resource exists, or when it has an `OPTIONS` route of its own.
    pub fn rest_preflight(&self, path: &str) -> Option<(squall_types::RestCors, String)> {
        let raw: Vec<&str> = match path.strip_prefix('/').unwrap_or(path) {
            "" => vec![],
            p => p.split('/').collect(),
        };
        let decoded: Vec<String> = raw.iter().map(|s| percent_decode(s)).collect();
        let mut best: Option<(Vec<u8>, &Vec<RouteSegment>)> = None;
        for r in &self.routes {
            let Some(segs) = &r.segments else { continue };
            if match_segments(segs, &raw, &decoded).is_none() {
                continue;
            }
            let score: Vec<u8> = segs.iter().map(rank).collect();
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, segs));
            }
        }
        let (_, template) = best?;
        let shape = RoutePath::Segments(template.clone()).shape();
        let on_resource: Vec<&Compiled> = self
            .routes
            .iter()
            .filter(|r| r.segments.as_ref().is_some_and(|s| RoutePath::Segments(s.clone()).shape() == shape))
            .collect();
        if on_resource.iter().any(|r| r.method == HttpMethod::Options) {
            return None;
        }
        let cors = on_resource.iter().find_map(|r| match r.api.as_ref() {
            RouteApi::Rest(rest) => rest.cors.clone(),
            RouteApi::HttpApi { .. } => None,
        })?;
        let mut methods = vec!["OPTIONS"];
        for r in &on_resource {
            match r.method {
                HttpMethod::Any => methods.extend(["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]),
                m => methods.push(m.as_str()),
            }
        }
        methods[1..].sort();
        methods.dedup();
        Some((cors, methods.join(",")))
    }
}

fn match_segments(segs: &[RouteSegment], raw: &[&str], decoded: &[String]) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            RouteSegment::Literal(l) => {
                if decoded.get(i)? != l {
                    return None;
                }
            }
            RouteSegment::Param(p) => {
                let v = decoded.get(i)?;
                if v.is_empty() {
                    return None;
                }
                params.push((p.clone(), v.clone()));
            }
            RouteSegment::Greedy(p) => {
                if i >= raw.len() || raw[i..].iter().all(|s| s.is_empty()) {
                    return None;
                }
                params.push((p.clone(), percent_decode(&raw[i..].join("/"))));
                return Some(params);
            }
        }
    }
    (segs.len() == raw.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use squall_types::RouteKey;

    fn table(routes: &[(&str, &str)]) -> RouteTable {
        let specs: Vec<RouteSpec> = routes
            .iter()
            .map(|(k, f)| RouteSpec {
                key: RouteKey::parse(k).unwrap(),
                function: f.to_string(),
                api: RouteApi::default(),
            })
            .collect();
        RouteTable::new(&specs)
    }

    fn found(m: RouteMatch) -> (String, Vec<(String, String)>) {
        match m {
            RouteMatch::Found { function, params, .. } => (function, params),
            other => panic!("expected a match, got {other:?}"),
        }
    }

    #[test]
    fn most_specific_route_wins() {
        let t = table(&[
            ("ANY /{proxy+}", "proxy"),
            ("GET /greet/{name}", "greet"),
            ("GET /greet/me", "me"),
            ("ANY /greet/{name}", "any-greet"),
        ]);
        assert_eq!(found(t.resolve("GET", "/greet/me")).0, "me");
        let (f, p) = found(t.resolve("GET", "/greet/ada%20l"));
        assert_eq!((f.as_str(), p), ("greet", vec![("name".to_string(), "ada l".to_string())]));
        assert_eq!(found(t.resolve("POST", "/greet/ada")).0, "any-greet");
        let (f, p) = found(t.resolve("DELETE", "/a/b/c"));
        assert_eq!((f.as_str(), p), ("proxy", vec![("proxy".to_string(), "a/b/c".to_string())]));
    }

    #[test]
    fn not_found_method_not_allowed_and_default() {
        let t = table(&[("GET /greet/{name}", "greet"), ("POST /greet/{name}", "post")]);
        assert_eq!(t.resolve("GET", "/nothing"), RouteMatch::NotFound);
        assert_eq!(t.resolve("GET", "/greet/"), RouteMatch::NotFound);
        assert_eq!(t.resolve("GET", "/greet/a/b"), RouteMatch::NotFound);
        assert_eq!(
            t.resolve("PUT", "/greet/ada"),
            RouteMatch::MethodNotAllowed { allowed: vec!["GET".into(), "POST".into()] }
        );
        let t = table(&[("GET /greet/{name}", "greet"), ("*", "fallback")]);
        assert_eq!(found(t.resolve("PUT", "/greet/ada")).0, "fallback");
        assert_eq!(found(t.resolve("GET", "/")).0, "fallback");
    }

    #[test]
    fn root_route() {
        let t = table(&[("GET /", "root")]);
        assert_eq!(found(t.resolve("GET", "/")).0, "root");
        assert_eq!(t.resolve("GET", "/x"), RouteMatch::NotFound);
    }
}
