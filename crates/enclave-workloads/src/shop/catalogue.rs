//! The shop's catalogue: categories and products (fixed data).

/// A product category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Category {
    pub id: u32,
    pub slug: &'static str,
    pub name: &'static str,
    pub blurb: &'static str,
}

/// A product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Product {
    pub id: u32,
    pub category: u32,
    pub name: &'static str,
    /// The price in cents.
    pub price_cents: u32,
    pub description: &'static str,
}

impl Product {
    /// The price as shown: `$1,234.50`.
    pub(crate) fn price(&self) -> String {
        let dollars = self.price_cents / 100;
        let cents = self.price_cents % 100;
        let digits = dollars.to_string();
        let mut grouped = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("${grouped}.{cents:02}")
    }

    /// The product's category.
    pub(crate) fn category(&self) -> Option<&'static Category> {
        category(self.category)
    }
}

/// All categories, in menu order.
pub(crate) const CATEGORIES: &[Category] = &[
    Category {
        id: 1,
        slug: "electronics",
        name: "Electronics",
        blurb: "Cameras, audio and the gadgets that keep you charged.",
    },
    Category {
        id: 2,
        slug: "home-kitchen",
        name: "Home & Kitchen",
        blurb: "Everything for the kitchen counter and the desk.",
    },
    Category {
        id: 3,
        slug: "sports-outdoors",
        name: "Sports & Outdoors",
        blurb: "Gear for the trail, the mat and the campsite.",
    },
    Category {
        id: 4,
        slug: "books",
        name: "Books",
        blurb: "Reading for engineers and the people who feed them.",
    },
    Category {
        id: 5,
        slug: "clothing",
        name: "Clothing & Shoes",
        blurb: "Comfortable layers from the office to the hills.",
    },
    Category {
        id: 6,
        slug: "toys-games",
        name: "Toys & Games",
        blurb: "Puzzles, games and things that roll.",
    },
];

const fn product(
    id: u32,
    category: u32,
    name: &'static str,
    price_cents: u32,
    description: &'static str,
) -> Product {
    Product {
        id,
        category,
        name,
        price_cents,
        description,
    }
}

/// All products, in catalogue order.
pub(crate) const PRODUCTS: &[Product] = &[
    product(
        1,
        1,
        "Aurora 4K Action Camera",
        14_999,
        "Waterproof to 30 m without a case, 4K at 60 frames per second, electronic image stabilisation and two batteries for a full day of filming.",
    ),
    product(
        2,
        1,
        "Nimbus Noise-Cancelling Headphones",
        19_900,
        "Over-ear headphones with adaptive noise cancelling, 30 hours of battery life and a foldable travel case.",
    ),
    product(
        3,
        1,
        "Pixel Pro Wireless Mouse",
        3_995,
        "A quiet, ergonomic mouse with a 4000 dpi sensor that pairs with three devices and charges over USB-C.",
    ),
    product(
        4,
        1,
        "Volt 20,000 mAh Power Bank",
        4_550,
        "Charges a laptop and a phone at once with 65 W USB-C power delivery; small enough for a jacket pocket.",
    ),
    product(
        5,
        2,
        "Barista Espresso Machine",
        32_900,
        "A 15-bar pump, a steam wand for latte art and a built-in grinder with 30 settings.",
    ),
    product(
        6,
        2,
        "Cast Iron Dutch Oven, 5.5 qt",
        7_990,
        "Enamelled cast iron that goes from the stove to the oven to the table; dishwasher safe.",
    ),
    product(
        7,
        2,
        "Bamboo Cutting Board Set",
        2_499,
        "Three boards in three sizes with juice grooves, made from sustainably grown bamboo.",
    ),
    product(
        8,
        2,
        "Smart LED Desk Lamp",
        5_400,
        "Five colour temperatures, a wireless charging base and an auto-dimming mode for late nights.",
    ),
    product(
        9,
        3,
        "Trailblazer 2-Person Tent",
        18_900,
        "A freestanding three-season tent that sets up in five minutes and weighs under 2 kg.",
    ),
    product(
        10,
        3,
        "Carbon Trekking Poles",
        6_995,
        "A pair of collapsible carbon-fibre poles with cork grips and quick-lock adjustment.",
    ),
    product(
        11,
        3,
        "Yoga Mat, 6 mm",
        2_999,
        "A non-slip natural rubber mat with alignment lines and a carrying strap.",
    ),
    product(
        12,
        3,
        "Insulated Steel Water Bottle",
        2_250,
        "Keeps drinks cold for 24 hours or hot for 12; leak-proof lid, 750 ml.",
    ),
    product(
        13,
        4,
        "Packets in the Night: A Networking Mystery",
        1_699,
        "A detective novel in which every clue is a dropped packet and every suspect a firewall rule.",
    ),
    product(
        14,
        4,
        "Zero Trust by Example",
        3_400,
        "Micro-segmentation explained with forty worked examples, from the first deny-all rule to a full allow list.",
    ),
    product(
        15,
        4,
        "Orchestrating Containers",
        4_150,
        "A practical guide to running services on a cluster: deployments, services, ingress and network policy.",
    ),
    product(
        16,
        4,
        "Cooking for Engineers",
        2_700,
        "Recipes written as precise procedures, with timings, tolerances and failure modes.",
    ),
    product(
        17,
        5,
        "Merino Wool Hiking Socks, 3 pairs",
        3_200,
        "Cushioned, breathable and odour resistant, for long days on the trail.",
    ),
    product(
        18,
        5,
        "Waterproof Trail Running Shoes",
        11_900,
        "A grippy lugged sole, a waterproof membrane and a rock plate for technical terrain.",
    ),
    product(
        19,
        5,
        "Classic Denim Jacket",
        8_900,
        "Heavyweight selvedge denim that softens with every wear.",
    ),
    product(
        20,
        5,
        "Organic Cotton T-Shirt",
        1_950,
        "A relaxed fit in soft organic cotton; available in six colours.",
    ),
    product(
        21,
        6,
        "Wooden Marble Run",
        5_900,
        "Ninety beech-wood pieces for endless tracks, loops and drops.",
    ),
    product(
        22,
        6,
        "1000-Piece Mountain Puzzle",
        2_199,
        "An alpine lake at sunrise, printed on thick recycled board.",
    ),
    product(
        23,
        6,
        "Remote-Control Rover",
        7_495,
        "A six-wheeled rover with rocker suspension that climbs kerbs and crosses gravel.",
    ),
    product(
        24,
        6,
        "Islands: A Strategy Board Game",
        4_400,
        "Two to five players build trade routes between islands; a game takes about an hour.",
    ),
];

/// The category with `id`.
pub(crate) fn category(id: u32) -> Option<&'static Category> {
    CATEGORIES.iter().find(|category| category.id == id)
}

/// The category with `slug`.
pub(crate) fn category_by_slug(slug: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|category| category.slug == slug)
}

/// The product with `id`.
pub(crate) fn product_by_id(id: u32) -> Option<&'static Product> {
    PRODUCTS.iter().find(|product| product.id == id)
}

/// The products of a category.
pub(crate) fn products_in(category: u32) -> impl Iterator<Item = &'static Product> {
    PRODUCTS
        .iter()
        .filter(move |product| product.category == category)
}

/// Products whose name, description or category contains every word of `query`
/// (case-insensitive).
pub(crate) fn search(query: &str) -> Vec<&'static Product> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    PRODUCTS
        .iter()
        .filter(|product| {
            let category = product.category().map(|c| c.name).unwrap_or_default();
            let haystack =
                format!("{} {} {}", product.name, product.description, category).to_lowercase();
            words.iter().all(|word| haystack.contains(word.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_consistent() {
        assert!(PRODUCTS.len() >= 20);
        for (index, product) in PRODUCTS.iter().enumerate() {
            assert_eq!(product.id as usize, index + 1, "ids are 1..n in order");
            assert!(product.category().is_some(), "{}", product.name);
        }
        for category in CATEGORIES {
            assert!(products_in(category.id).count() > 0, "{}", category.name);
            assert_eq!(category_by_slug(category.slug), Some(category));
        }
    }

    #[test]
    fn prices_and_search() {
        assert_eq!(
            product_by_id(5).map(Product::price).as_deref(),
            Some("$329.00")
        );
        assert_eq!(
            product_by_id(20).map(Product::price).as_deref(),
            Some("$19.50")
        );
        let big = Product {
            price_cents: 123_456_789,
            ..PRODUCTS[0]
        };
        assert_eq!(big.price(), "$1,234,567.89");
        let found: Vec<u32> = search("WATERPROOF").iter().map(|p| p.id).collect();
        assert_eq!(found, vec![1, 18]);
        let found: Vec<u32> = search("running shoes").iter().map(|p| p.id).collect();
        assert_eq!(found, vec![18]);
        assert!(search("   ").is_empty());
        assert!(search("no such thing").is_empty());
    }
}
