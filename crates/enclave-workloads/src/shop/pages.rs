//! The shop's pages: routing and HTML rendering, pure functions of the request and of the pod
//! that serves it. Every product shown carries `served by pod <name>`.

use http::{Method, StatusCode};

use super::catalogue::{self, CATEGORIES, Category, PRODUCTS, Product};
use crate::support::{html_escape, query_value};

/// The pod that serves a page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Server<'a> {
    pub pod: &'a str,
    pub namespace: &'a str,
    pub ip: &'a str,
}

/// A rendered answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
}

impl Page {
    fn html(status: StatusCode, body: String) -> Self {
        Self {
            status,
            content_type: "text/html; charset=UTF-8",
            body,
        }
    }
}

/// Answers a request for `path` with `query`.
pub(crate) fn route(method: &Method, path: &str, query: Option<&str>, server: &Server<'_>) -> Page {
    if path == "/health" {
        return Page {
            status: StatusCode::OK,
            content_type: "text/plain; charset=UTF-8",
            body: "OK".into(),
        };
    }
    if method != Method::GET && method != Method::HEAD {
        return Page::html(
            StatusCode::METHOD_NOT_ALLOWED,
            layout(
                "Method Not Allowed",
                &format!(
                    "<h1>Method Not Allowed</h1><p>The shop answers GET and HEAD, not {}.</p>",
                    html_escape(method.as_str())
                ),
                "",
                server,
            ),
        );
    }
    let id = || query_value(query, "id").trim().parse::<u32>().ok();
    match path {
        "/" | "/index.php" => Page::html(StatusCode::OK, home(server)),
        "/product/view" => match id().and_then(catalogue::product_by_id) {
            Some(product) => Page::html(StatusCode::OK, product_page(product, server)),
            None => not_found("That product is not in the catalogue.", server),
        },
        "/category/view" => match id().and_then(catalogue::category) {
            Some(category) => Page::html(StatusCode::OK, category_page(category, server)),
            None => not_found("That category does not exist.", server),
        },
        "/search" => {
            let mut text = query_value(query, "searchString");
            if text.is_empty() {
                text = query_value(query, "q");
            }
            Page::html(StatusCode::OK, search_page(&text, server))
        }
        "/cart/add" => match id().and_then(catalogue::product_by_id) {
            Some(product) => Page::html(StatusCode::OK, added_page(product, server)),
            None => not_found("That product is not in the catalogue.", server),
        },
        _ => match path
            .strip_prefix("/category/")
            .map(|slug| slug.trim_end_matches('/'))
            .and_then(catalogue::category_by_slug)
        {
            Some(category) => Page::html(StatusCode::OK, category_page(category, server)),
            None => not_found("The page you asked for does not exist.", server),
        },
    }
}

fn not_found(message: &str, server: &Server<'_>) -> Page {
    Page::html(
        StatusCode::NOT_FOUND,
        layout(
            "Not Found",
            &format!(
                "<h1>Not Found</h1><p>{}</p><p><a href=\"/\">Back to the shop</a></p>",
                html_escape(message)
            ),
            "",
            server,
        ),
    )
}

const STYLE: &str = "\
body{margin:0;font-family:Helvetica,Arial,sans-serif;background:#f4f5f7;color:#222}\
header{background:#1f2d3d;color:#fff;padding:12px 24px;display:flex;align-items:center;gap:24px;flex-wrap:wrap}\
header a.brand{color:#ffb400;font-size:26px;font-weight:bold;text-decoration:none}\
header form{margin-left:auto}header input{padding:6px;border:0;border-radius:3px;width:220px}\
header button{padding:6px 12px;border:0;border-radius:3px;background:#ffb400;cursor:pointer}\
nav{background:#2c3e50;padding:8px 24px}nav a{color:#dfe6ee;margin-right:18px;text-decoration:none}\
main{padding:24px;max-width:1100px;margin:auto}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:18px}\
.item{background:#fff;border-radius:6px;padding:14px;box-shadow:0 1px 3px rgba(0,0,0,.15)}\
.item a{color:#1f2d3d;font-weight:bold;text-decoration:none}\
.thumb{height:110px;border-radius:4px;display:flex;align-items:center;justify-content:center;\
font-size:34px;color:#fff;margin-bottom:10px}\
.c1{background:#3498db}.c2{background:#e67e22}.c3{background:#27ae60}.c4{background:#8e44ad}\
.c5{background:#c0392b}.c6{background:#16a085}\
.price{color:#b12704;font-size:18px;margin:6px 0}.category{font-size:13px;color:#666}\
.pod{margin-top:8px;font-size:12px;background:#eef6ee;border:1px solid #cfe3cf;border-radius:3px;padding:4px 6px}\
.detail{display:flex;gap:24px;background:#fff;border-radius:6px;padding:20px}\
.detail .thumb{width:260px;height:220px;flex:none}\
.cart{display:inline-block;background:#ffb400;color:#222;padding:8px 16px;border-radius:3px;text-decoration:none}\
footer{text-align:center;color:#777;font-size:12px;padding:24px}";

fn layout(title: &str, content: &str, search_text: &str, server: &Server<'_>) -> String {
    let menu: String = CATEGORIES
        .iter()
        .map(|category| {
            format!(
                "<a href=\"/category/view?id={}\">{}</a>",
                category.id,
                html_escape(category.name)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} | Hackazon</title><style>{STYLE}</style></head><body>\
         <header><a class=\"brand\" href=\"/\">Hackazon</a><span>Your online store</span>\
         <form action=\"/search\" method=\"get\"><input type=\"text\" name=\"searchString\" \
         value=\"{search}\" placeholder=\"Search products\"> <button type=\"submit\">Search</button>\
         </form></header><nav>{menu}</nav><main>{content}</main>\
         <footer>Page served by pod <b>{pod}</b> in namespace {namespace} ({ip})</footer>\
         </body></html>\n",
        title = html_escape(title),
        search = html_escape(search_text),
        pod = html_escape(server.pod),
        namespace = html_escape(server.namespace),
        ip = html_escape(server.ip),
    )
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

fn served_by(server: &Server<'_>) -> String {
    format!(
        "<div class=\"pod\">served by pod <b>{}</b></div>",
        html_escape(server.pod)
    )
}

fn item_card(product: &Product, server: &Server<'_>) -> String {
    let category = product.category();
    format!(
        "<div class=\"item\"><div class=\"thumb c{class}\">{initials}</div>\
         <a href=\"/product/view?id={id}\">{name}</a><div class=\"price\">{price}</div>\
         <div class=\"category\"><a href=\"/category/view?id={category_id}\">{category}</a></div>\
         {served}</div>",
        class = product.category,
        initials = html_escape(&initials(product.name)),
        id = product.id,
        name = html_escape(product.name),
        price = product.price(),
        category_id = product.category,
        category = html_escape(category.map(|c| c.name).unwrap_or_default()),
        served = served_by(server),
    )
}

fn grid<'a>(products: impl IntoIterator<Item = &'a Product>, server: &Server<'_>) -> String {
    let cards: String = products
        .into_iter()
        .map(|product| item_card(product, server))
        .collect();
    format!("<div class=\"grid\">{cards}</div>")
}

fn home(server: &Server<'_>) -> String {
    let content = format!(
        "<h1>Welcome to Hackazon</h1><p>{} products in {} departments, delivered by vSphere Pods.</p>{}",
        PRODUCTS.len(),
        CATEGORIES.len(),
        grid(PRODUCTS, server)
    );
    layout("Home", &content, "", server)
}

fn product_page(product: &Product, server: &Server<'_>) -> String {
    let category = product.category();
    let related = grid(
        catalogue::products_in(product.category).filter(|other| other.id != product.id),
        server,
    );
    let content = format!(
        "<div class=\"detail\"><div class=\"thumb c{class}\">{initials}</div><div>\
         <h1>{name}</h1><div class=\"category\">in <a href=\"/category/view?id={category_id}\">\
         {category}</a></div><div class=\"price\">{price}</div><p>{description}</p>\
         <p><a class=\"cart\" href=\"/cart/add?id={id}\">Add to cart</a></p>{served}</div></div>\
         <h2>More from {category}</h2>{related}",
        class = product.category,
        initials = html_escape(&initials(product.name)),
        name = html_escape(product.name),
        category_id = product.category,
        category = html_escape(category.map(|c| c.name).unwrap_or_default()),
        price = product.price(),
        description = html_escape(product.description),
        id = product.id,
        served = served_by(server),
    );
    layout(product.name, &content, "", server)
}

fn category_page(category: &Category, server: &Server<'_>) -> String {
    let content = format!(
        "<h1>{}</h1><p>{}</p>{}",
        html_escape(category.name),
        html_escape(category.blurb),
        grid(catalogue::products_in(category.id), server)
    );
    layout(category.name, &content, "", server)
}

fn search_page(text: &str, server: &Server<'_>) -> String {
    let found = catalogue::search(text);
    let content = if text.trim().is_empty() {
        "<h1>Search</h1><p>Type what you are looking for in the search box.</p>".to_string()
    } else if found.is_empty() {
        format!(
            "<h1>Search results for &quot;{}&quot;</h1><p>No products match.</p>",
            html_escape(text)
        )
    } else {
        format!(
            "<h1>Search results for &quot;{}&quot;</h1><p>{} product(s) found.</p>{}",
            html_escape(text),
            found.len(),
            grid(found.iter().copied(), server)
        )
    };
    layout("Search", &content, text, server)
}

fn added_page(product: &Product, server: &Server<'_>) -> String {
    let content = format!(
        "<h1>Added to your cart</h1><p><b>{name}</b> ({price}) is in your cart.</p>{served}\
         <p><a href=\"/product/view?id={id}\">Back to the product</a> · <a href=\"/\">Keep shopping</a></p>",
        name = html_escape(product.name),
        price = product.price(),
        served = served_by(server),
        id = product.id,
    );
    layout("Cart", &content, "", server)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: Server<'static> = Server {
        pod: "hackazon-shop-6bb78d9f74-gwn6r",
        namespace: "ns-hackazon-app",
        ip: "10.244.0.18",
    };

    fn get(path: &str, query: Option<&str>) -> Page {
        route(&Method::GET, path, query, &SERVER)
    }

    #[test]
    fn every_item_shows_the_serving_pod() {
        let home = get("/", None);
        assert_eq!(home.status, StatusCode::OK);
        let served = "<div class=\"pod\">served by pod <b>hackazon-shop-6bb78d9f74-gwn6r</b>";
        assert_eq!(home.body.matches(served).count(), PRODUCTS.len());
        assert!(home.body.contains("Barista Espresso Machine"));
        assert!(home.body.contains("$329.00"));
    }

    #[test]
    fn product_category_and_search_pages() {
        let product = get("/product/view", Some("id=9"));
        assert_eq!(product.status, StatusCode::OK);
        assert!(product.body.contains("<h1>Trailblazer 2-Person Tent</h1>"));
        assert!(product.body.contains("served by pod"));
        assert_eq!(
            get("/product/view", Some("id=999")).status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("/product/view", Some("id=abc")).status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get("/product/view", None).status, StatusCode::NOT_FOUND);

        let by_id = get("/category/view", Some("id=4"));
        let by_slug = get("/category/books", None);
        assert_eq!(by_id, by_slug);
        assert!(by_id.body.contains("Zero Trust by Example"));
        assert!(!by_id.body.contains("Yoga Mat"));

        let search = get("/search", Some("searchString=espresso"));
        assert!(search.body.contains("1 product(s) found"));
        assert!(search.body.contains("Barista Espresso Machine"));
        let hostile = get("/search", Some("q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
        assert!(!hostile.body.contains("<script>"));
        assert!(hostile.body.contains("&lt;script&gt;"));
    }

    #[test]
    fn health_methods_and_unknown_pages() {
        let health = get("/health", None);
        assert_eq!(
            (health.status, health.body.as_str()),
            (StatusCode::OK, "OK")
        );
        assert_eq!(get("/nope", None).status, StatusCode::NOT_FOUND);
        assert_eq!(get("/category/nope", None).status, StatusCode::NOT_FOUND);
        let post = route(&Method::POST, "/", None, &SERVER);
        assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            get("/cart/add", Some("id=3"))
                .body
                .contains("Pixel Pro Wireless Mouse")
        );
    }
}
