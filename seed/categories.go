package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// categoryDef describes how to generate the products of one category.
type categoryDef struct {
	name   string
	prefix string // SKU prefix
	weight int    // relative share of the catalog
	brands []string
	kinds  []kind
	// about are sentences that fit any product of the category.
	about []string
	// attributes returns the category-appropriate attributes of a product.
	// Numbers are float64, lists []any: the shapes product attributes
	// round-trip as.
	attributes func(r *rand.Rand, k kind) map[string]any
}

// kind is one sort of product within a category.
type kind struct {
	noun               string
	series             []string // words between brand and noun
	minPrice, maxPrice int64    // whole dollars
	blurb              string   // first sentence of the description
	// materials, when set, are the materials this kind comes in.
	materials []string
	// features, when set, are the features a product of this kind may list.
	features []string
	// fixed are attributes every product of this kind has.
	fixed map[string]any
	// weight is the range of the kind's weight in the category's unit
	// (grams or kilograms); zero means the category's default range.
	weight [2]float64
}

// weigh returns a weight in k.weight (or in def when unset), rounded to
// one decimal place.
func (k kind) weigh(r *rand.Rand, def [2]float64) float64 {
	w := k.weight
	if w == [2]float64{} {
		w = def
	}
	return math.Round((w[0]+r.Float64()*(w[1]-w[0]))*10) / 10
}

// material picks one of the kind's materials.
func (k kind) material(r *rand.Rand) string { return pick(r, k.materials) }

// categories is read-only, sorted by name.
var categories = []categoryDef{
	{
		name: "beauty", prefix: "BT", weight: 9,
		brands: []string{"Lumen & Co", "Petal Theory", "Northglow", "Verdant Skin", "Atelier Rose"},
		kinds: []kind{
			{noun: "Hydrating Face Serum", series: []string{"Daily", "Dew", "Glow", "Pure"}, minPrice: 14, maxPrice: 58, blurb: "A lightweight serum with hyaluronic acid that sinks in fast and keeps skin supple all day."},
			{noun: "Mineral Sunscreen SPF 50", series: []string{"Everyday", "Sheer", "Sport"}, minPrice: 11, maxPrice: 34, blurb: "Broad-spectrum zinc oxide protection that leaves no white cast."},
			{noun: "Matte Lipstick", series: []string{"Velvet", "Icon", "Studio"}, minPrice: 9, maxPrice: 32, blurb: "Long-wearing colour with a soft matte finish that does not dry the lips."},
			{noun: "Argan Oil Shampoo", series: []string{"Repair", "Silk", "Botanical"}, minPrice: 8, maxPrice: 26, blurb: "A sulfate-free cleanser that washes gently and leaves hair soft and shiny."},
			{noun: "Eau de Parfum", series: []string{"Midnight", "Citrus Grove", "Cedar", "Bloom"}, minPrice: 38, maxPrice: 140, blurb: "A layered fragrance that opens bright and settles into a warm, lasting base."},
			{noun: "Night Cream", series: []string{"Renew", "Restore", "Calm"}, minPrice: 18, maxPrice: 72, blurb: "A rich overnight moisturiser with ceramides and peptides."},
		},
		about: []string{"Dermatologist tested.", "Free from parabens and synthetic dyes.", "Made in small batches.", "Recyclable packaging."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"volumeMl":    float64([]int{15, 30, 50, 100, 200, 250}[r.IntN(6)]),
				"skinType":    pick(r, []string{"all", "dry", "oily", "combination", "sensitive"}),
				"scent":       pick(r, []string{"unscented", "citrus", "lavender", "rose", "sandalwood", "green tea"}),
				"vegan":       r.IntN(3) > 0,
				"crueltyFree": r.IntN(10) > 0,
			}
		},
	},
	{
		name: "books", prefix: "BK", weight: 14,
		brands: []string{"Harbor House", "Meridian Press", "Quillstone", "Northwind Books", "Lantern & Key"},
		kinds: []kind{
			{noun: "novel", minPrice: 9, maxPrice: 32, blurb: "A sweeping novel about family, memory and the choices that shape a life."},
			{noun: "thriller", minPrice: 8, maxPrice: 29, blurb: "A taut thriller that keeps the pages turning until the final twist."},
			{noun: "cookbook", minPrice: 18, maxPrice: 45, blurb: "More than 100 approachable recipes for everyday cooking, with step-by-step photographs."},
			{noun: "history", minPrice: 14, maxPrice: 40, blurb: "A vivid, deeply researched account of the people and places that changed an era."},
			{noun: "field guide", minPrice: 12, maxPrice: 35, blurb: "A practical, fully illustrated guide for curious beginners and seasoned experts alike."},
			{noun: "science", minPrice: 15, maxPrice: 38, blurb: "A lucid tour of big ideas in science, written for the general reader."},
		},
		about: []string{"Includes an index and suggestions for further reading.", "A bestseller in its first year.", "Printed on acid-free paper.", "Now with a new afterword by the author."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"author":          pick(r, firstNames) + " " + pick(r, lastNames),
				"format":          pick(r, []string{"Hardcover", "Paperback", "Paperback", "Audiobook"}),
				"pages":           float64(120 + r.IntN(700)),
				"language":        pick(r, []string{"English", "English", "English", "Spanish", "German"}),
				"isbn13":          isbn13(r),
				"publicationYear": float64(1995 + r.IntN(31)),
				"genre":           k.noun,
			}
		},
	},
	{
		name: "clothing", prefix: "CL", weight: 13,
		brands: []string{"Fieldhouse", "Marlow & Pine", "Coastline", "Urban Thread", "Kindred Wool"},
		kinds: []kind{
			{noun: "Crew Neck T-Shirt", series: []string{"Essential", "Organic", "Heavyweight"}, minPrice: 12, maxPrice: 38, blurb: "A soft, breathable tee cut for an easy everyday fit.", materials: []string{"100% cotton", "organic cotton", "cotton blend"}},
			{noun: "Merino Sweater", series: []string{"Classic", "Ribbed", "Alpine"}, minPrice: 48, maxPrice: 140, blurb: "Fine merino wool that regulates temperature and resists odour.", materials: []string{"merino wool"}},
			{noun: "Slim Chinos", series: []string{"Weekday", "Stretch", "Travel"}, minPrice: 34, maxPrice: 89, blurb: "Tailored chinos with a touch of stretch for all-day comfort.", materials: []string{"cotton twill", "stretch cotton"}},
			{noun: "Rain Jacket", series: []string{"Packable", "Storm", "City"}, minPrice: 59, maxPrice: 220, blurb: "A waterproof, breathable shell with taped seams and an adjustable hood.", materials: []string{"recycled nylon", "3-layer nylon"}},
			{noun: "Denim Jacket", series: []string{"Vintage", "Selvedge", "Classic"}, minPrice: 55, maxPrice: 160, blurb: "Rigid cotton denim that softens and fades beautifully with wear.", materials: []string{"cotton denim", "selvedge denim"}},
			{noun: "Running Socks (3-Pack)", series: []string{"Cushioned", "Ankle", "Compression"}, minPrice: 9, maxPrice: 24, blurb: "Moisture-wicking socks with a cushioned sole and arch support.", materials: []string{"merino blend", "recycled polyester"}},
		},
		about: []string{"Machine washable.", "Ethically made in certified factories.", "True to size.", "Free returns within 30 days."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"size":            pick(r, []string{"XS", "S", "M", "L", "XL", "XXL"}),
				"color":           pick(r, colors),
				"material":        k.material(r),
				"fit":             pick(r, []string{"regular", "slim", "relaxed"}),
				"machineWashable": r.IntN(5) > 0,
			}
		},
	},
	{
		name: "electronics", prefix: "EL", weight: 16,
		brands: []string{"Voltix", "Arcwave", "Nimbus Audio", "Kestrel", "Lumina Labs", "Orbitron"},
		kinds: []kind{
			{noun: "Wireless Earbuds", series: []string{"Air", "Pro", "Sport", "Mini"}, minPrice: 29, maxPrice: 249, blurb: "True wireless earbuds with active noise cancellation and a pocketable charging case.", features: []string{"Bluetooth 5.3", "active noise cancellation", "multipoint", "IPX4 water resistant", "wireless charging case"}, fixed: map[string]any{"wireless": true}, weight: [2]float64{40, 70}},
			{noun: "Bluetooth Speaker", series: []string{"Boom", "Go", "Max"}, minPrice: 35, maxPrice: 299, blurb: "A rugged portable speaker with deep bass and 360-degree sound.", features: []string{"Bluetooth 5.3", "IP67 waterproof", "stereo pairing", "USB-C charging", "built-in microphone"}, fixed: map[string]any{"wireless": true}, weight: [2]float64{300, 2500}},
			{noun: "27\" 4K Monitor", series: []string{"Vision", "Studio", "Ultra"}, minPrice: 229, maxPrice: 799, blurb: "A colour-accurate 4K IPS display with USB-C power delivery and a height-adjustable stand.", features: []string{"USB-C 90W", "HDR400", "144 Hz", "built-in KVM", "height-adjustable stand"}, fixed: map[string]any{"wireless": false}, weight: [2]float64{4200, 7800}},
			{noun: "Mechanical Keyboard", series: []string{"TKL", "Compact", "Pro"}, minPrice: 59, maxPrice: 229, blurb: "Hot-swappable switches, per-key backlighting and an aluminium frame.", features: []string{"hot-swappable switches", "RGB backlight", "Bluetooth 5.1", "USB-C", "PBT keycaps"}, fixed: map[string]any{"wireless": false}, weight: [2]float64{600, 1300}},
			{noun: "USB-C Hub", series: []string{"7-in-1", "Travel", "Dock"}, minPrice: 19, maxPrice: 129, blurb: "Adds HDMI, Ethernet, SD and USB-A ports to any USB-C laptop.", features: []string{"4K HDMI", "gigabit Ethernet", "100W pass-through charging", "SD card reader"}, fixed: map[string]any{"wireless": false}, weight: [2]float64{60, 220}},
			{noun: "Smartwatch", series: []string{"Fit", "Active", "Classic"}, minPrice: 99, maxPrice: 449, blurb: "Tracks heart rate, sleep and workouts, with GPS and a bright always-on display.", features: []string{"GPS", "heart-rate monitor", "sleep tracking", "contactless payments", "5 ATM water resistant"}, fixed: map[string]any{"wireless": true}, weight: [2]float64{30, 65}},
			{noun: "Noise-Cancelling Headphones", series: []string{"Quiet", "Studio", "Travel"}, minPrice: 79, maxPrice: 399, blurb: "Over-ear headphones with adaptive noise cancellation and plush memory-foam cushions.", features: []string{"adaptive noise cancellation", "multipoint", "fast charging", "foldable", "wired mode"}, fixed: map[string]any{"wireless": true}, weight: [2]float64{220, 340}},
			{noun: "Portable SSD 1TB", series: []string{"Swift", "Rugged", "Slim"}, minPrice: 69, maxPrice: 189, blurb: "Transfers at up to 1,050 MB/s in a drop-resistant shell the size of a card.", features: []string{"USB 3.2 Gen 2", "hardware encryption", "drop resistant", "USB-C"}, fixed: map[string]any{"wireless": false}, weight: [2]float64{40, 120}},
		},
		about: []string{"Includes a USB-C cable.", "Firmware updates over the companion app.", "Backed by our hassle-free warranty.", "Works with iOS, Android, Windows and macOS."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			a := map[string]any{
				"color":          pick(r, []string{"black", "white", "silver", "graphite", "midnight blue"}),
				"warrantyMonths": float64([]int{12, 12, 24, 36}[r.IntN(4)]),
				"wireless":       k.fixed["wireless"],
				"weightGrams":    k.weigh(r, [2]float64{50, 2000}),
				"features":       pickN(r, k.features, 1+r.IntN(3)),
			}
			if a["wireless"] == true {
				a["batteryLifeHours"] = float64(4+r.IntN(60)) + 0.5*float64(r.IntN(2))
			}
			return a
		},
	},
	{
		name: "grocery", prefix: "GR", weight: 10,
		brands: []string{"Good Harvest", "Maple Lane", "Sunfield", "Terra Pantry", "Blue Mesa"},
		kinds: []kind{
			{noun: "Extra Virgin Olive Oil", series: []string{"Cold-Pressed", "Estate", "Organic"}, minPrice: 9, maxPrice: 32, blurb: "Fruity, peppery oil pressed within hours of harvest."},
			{noun: "Whole Bean Coffee", series: []string{"House Blend", "Dark Roast", "Single Origin"}, minPrice: 11, maxPrice: 28, blurb: "Small-batch roasted beans with notes of chocolate and caramel."},
			{noun: "Sea Salt Dark Chocolate", series: []string{"72%", "85%", "Almond"}, minPrice: 3, maxPrice: 9, blurb: "Single-origin cacao with a pinch of flaky sea salt."},
			{noun: "Granola", series: []string{"Maple Pecan", "Berry", "Honey Oat"}, minPrice: 5, maxPrice: 12, blurb: "Crunchy clusters baked slowly with whole grains and real fruit."},
			{noun: "Green Tea (50 bags)", series: []string{"Sencha", "Jasmine", "Matcha Blend"}, minPrice: 6, maxPrice: 19, blurb: "Delicate, grassy tea picked in early spring."},
			{noun: "Raw Wildflower Honey", series: []string{"Clover", "Orange Blossom", "Mountain"}, minPrice: 8, maxPrice: 24, blurb: "Unfiltered honey from independent beekeepers."},
		},
		about: []string{"Store in a cool, dry place.", "Packed in a facility that also handles nuts.", "Sourced directly from growers.", "No artificial flavours or preservatives."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"weightGrams":   float64([]int{100, 250, 340, 500, 750, 1000}[r.IntN(6)]),
				"organic":       r.IntN(2) == 0,
				"glutenFree":    r.IntN(3) > 0,
				"origin":        pick(r, []string{"Italy", "Spain", "Colombia", "Ethiopia", "USA", "Japan", "Greece", "Peru"}),
				"shelfLifeDays": float64(90 + r.IntN(640)),
			}
		},
	},
	{
		name: "home-kitchen", prefix: "HK", weight: 15,
		brands: []string{"Hearthline", "Copper & Oak", "Nestwell", "Kitchen Atlas", "Brightform"},
		kinds: []kind{
			{noun: "Cast Iron Skillet", series: []string{"Pre-Seasoned", "Heritage", "Chef"}, minPrice: 24, maxPrice: 89, blurb: "Even heat from stovetop to oven, and only better with age.", materials: []string{"cast iron", "enamelled cast iron"}, weight: [2]float64{2, 3.6}},
			{noun: "Chef's Knife 8\"", series: []string{"Forged", "Damascus", "Pro"}, minPrice: 29, maxPrice: 199, blurb: "High-carbon stainless steel, hand-sharpened to a 15-degree edge.", materials: []string{"high-carbon stainless steel", "Damascus steel"}, weight: [2]float64{0.2, 0.3}},
			{noun: "Pour-Over Coffee Maker", series: []string{"Glass", "Classic", "Barista"}, minPrice: 19, maxPrice: 69, blurb: "Brews a clean, bright cup in under four minutes.", materials: []string{"borosilicate glass", "ceramic", "stainless steel"}, weight: [2]float64{0.3, 0.9}},
			{noun: "Linen Duvet Cover", series: []string{"Stonewashed", "Relaxed", "Hotel"}, minPrice: 79, maxPrice: 259, blurb: "Pre-washed European flax linen that gets softer with every wash.", materials: []string{"linen"}, weight: [2]float64{1.1, 2}},
			{noun: "Stand Mixer", series: []string{"Artisan", "Compact", "Pro"}, minPrice: 149, maxPrice: 499, blurb: "A powerful 10-speed mixer with a 5-quart stainless bowl.", materials: []string{"die-cast aluminium", "stainless steel"}, weight: [2]float64{5, 11}},
			{noun: "Glass Food Storage Set", series: []string{"10-Piece", "Stackable", "Meal Prep"}, minPrice: 22, maxPrice: 64, blurb: "Oven-safe borosilicate containers with leak-proof locking lids.", materials: []string{"borosilicate glass"}, weight: [2]float64{2, 4.5}},
			{noun: "Ceramic Dinnerware Set", series: []string{"Stoneware", "Matte", "Rustic"}, minPrice: 49, maxPrice: 189, blurb: "A 16-piece service for four, glazed by hand.", materials: []string{"stoneware", "porcelain"}, weight: [2]float64{6, 9}},
		},
		about: []string{"Dishwasher safe unless noted.", "Designed in Portland, Oregon.", "Lifetime guarantee against defects.", "Ships in plastic-free packaging."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"material":       k.material(r),
				"color":          pick(r, colors),
				"dishwasherSafe": r.IntN(3) > 0,
				"weightKg":       k.weigh(r, [2]float64{0.5, 5}),
				"pieces":         float64(1 + r.IntN(16)),
			}
		},
	},
	{
		name: "sports-outdoors", prefix: "SP", weight: 12,
		brands: []string{"Summit Gear", "Trailwise", "Ridgeback", "Tidewater", "Peak Form"},
		kinds: []kind{
			{noun: "Trail Running Shoes", series: []string{"Grip", "Ultra", "Swift"}, minPrice: 79, maxPrice: 179, blurb: "Aggressive lugs and a rock plate for fast, technical trails.", materials: []string{"engineered mesh", "recycled polyester mesh"}, fixed: map[string]any{"activity": "trail running"}, weight: [2]float64{0.5, 0.7}},
			{noun: "2-Person Backpacking Tent", series: []string{"Ultralight", "Freestanding", "Storm"}, minPrice: 149, maxPrice: 499, blurb: "A double-wall tent that pitches in minutes and packs smaller than a loaf of bread.", materials: []string{"nylon ripstop", "silnylon"}, fixed: map[string]any{"activity": "backpacking"}, weight: [2]float64{1.1, 2.6}},
			{noun: "Yoga Mat 6mm", series: []string{"Grip", "Eco", "Travel"}, minPrice: 25, maxPrice: 98, blurb: "Non-slip natural rubber with alignment lines.", materials: []string{"natural rubber", "TPE", "cork"}, fixed: map[string]any{"activity": "yoga"}, weight: [2]float64{1, 2.5}},
			{noun: "Insulated Water Bottle 32oz", series: []string{"Trail", "Summit", "Everyday"}, minPrice: 19, maxPrice: 49, blurb: "Keeps drinks cold for 24 hours or hot for 12.", materials: []string{"stainless steel"}, fixed: map[string]any{"activity": "hiking"}, weight: [2]float64{0.4, 0.6}},
			{noun: "Adjustable Dumbbell", series: []string{"Quick-Lock", "Home Gym", "Pro"}, minPrice: 99, maxPrice: 399, blurb: "Replaces 15 sets of weights with a twist of the dial.", materials: []string{"steel", "cast iron"}, fixed: map[string]any{"activity": "strength training"}, weight: [2]float64{10, 23}},
			{noun: "Down Sleeping Bag", series: []string{"20°F", "Alpine", "Three-Season"}, minPrice: 129, maxPrice: 449, blurb: "800-fill responsibly sourced down in a lightweight mummy cut.", materials: []string{"nylon ripstop"}, fixed: map[string]any{"activity": "camping"}, weight: [2]float64{0.8, 1.6}},
		},
		about: []string{"Field-tested by our guides.", "Backed by a two-year warranty.", "Made with bluesign-approved materials.", "Repairable: spare parts available."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"weightKg":   k.weigh(r, [2]float64{0.5, 5}),
				"waterproof": r.IntN(2) == 0,
				"color":      pick(r, colors),
				"material":   k.material(r),
				"activity":   k.fixed["activity"],
			}
		},
	},
	{
		name: "toys", prefix: "TY", weight: 11,
		brands: []string{"Brightblock", "Wonderworks", "Tinker Town", "Little Comet", "Puzzlewood"},
		kinds: []kind{
			{noun: "Building Block Set", series: []string{"Castle", "Space Station", "City Bus"}, minPrice: 19, maxPrice: 149, blurb: "Hundreds of compatible bricks to build, rebuild and invent.", materials: []string{"ABS plastic"}},
			{noun: "Wooden Train Set", series: []string{"Classic", "Mountain", "Harbor"}, minPrice: 29, maxPrice: 119, blurb: "Solid beech track pieces and magnetic cars that click together.", materials: []string{"beech wood"}},
			{noun: "1000-Piece Jigsaw Puzzle", series: []string{"Landscape", "Vintage Map", "Botanical"}, minPrice: 14, maxPrice: 34, blurb: "Thick, precision-cut pieces that fit snugly.", materials: []string{"recycled cardboard"}},
			{noun: "Plush Bear", series: []string{"Cuddle", "Classic", "Jumbo"}, minPrice: 12, maxPrice: 59, blurb: "Super-soft and machine washable, with embroidered eyes.", materials: []string{"polyester plush"}},
			{noun: "STEM Robot Kit", series: []string{"Explorer", "Coder", "Rover"}, minPrice: 39, maxPrice: 179, blurb: "Build a robot and program it with a simple block-based app.", materials: []string{"ABS plastic"}},
			{noun: "Family Board Game", series: []string{"Strategy", "Party", "Co-op"}, minPrice: 19, maxPrice: 69, blurb: "Easy to learn, endlessly replayable, and playable in under an hour.", materials: []string{"cardboard", "wood and cardboard"}},
		},
		about: []string{"Meets ASTM F963 safety standards.", "Non-toxic, water-based finishes.", "Great as a gift.", "Small parts: not for children under 3."},
		attributes: func(r *rand.Rand, k kind) map[string]any {
			return map[string]any{
				"minAge":            float64([]int{0, 3, 3, 5, 6, 8, 10, 12}[r.IntN(8)]),
				"batteriesRequired": r.IntN(4) == 0,
				"pieces":            float64(1 + r.IntN(1200)),
				"material":          k.material(r),
				"players":           fmt.Sprintf("%d-%d", 1+r.IntN(2), 4+r.IntN(5)),
			}
		},
	},
}

var (
	colors     = []string{"black", "white", "navy", "olive", "sand", "charcoal", "terracotta", "sage", "red", "sky blue"}
	firstNames = []string{"Ada", "Jonah", "Mira", "Tomás", "Priya", "Elliot", "Noor", "Hana", "Samuel", "Ines", "Kofi", "Lena"}
	lastNames  = []string{"Whitaker", "Okafor", "Lindqvist", "Moreau", "Castillo", "Nakamura", "Brennan", "Haddad", "Petrov", "Alvarez"}
	titleAdjs  = []string{"Silent", "Last", "Hidden", "Northern", "Salt", "Paper", "Winter", "Golden", "Lost", "Quiet", "Burning", "Distant"}
	titleNouns = []string{"Harbor", "Orchard", "Kingdom", "River", "Garden", "Archive", "Lighthouse", "Frontier", "Summer", "Atlas", "Empire", "Kitchen"}
)

func bookTitle(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return "The " + pick(r, titleAdjs) + " " + pick(r, titleNouns)
	case 1:
		return pick(r, titleNouns) + " of " + pick(r, titleAdjs) + " " + pick(r, titleNouns) + "s"
	case 2:
		return "A " + pick(r, titleAdjs) + " " + pick(r, titleNouns)
	default:
		return "The " + pick(r, titleNouns) + " at the End of the " + pick(r, titleNouns)
	}
}

// isbn13 returns a valid ISBN-13 (978 prefix, correct check digit).
func isbn13(r *rand.Rand) string {
	d := []int{9, 7, 8}
	for range 9 {
		d = append(d, r.IntN(10))
	}
	sum := 0
	for i, x := range d {
		sum += x * (1 + 2*(i%2))
	}
	d = append(d, (10-sum%10)%10)
	var b strings.Builder
	for _, x := range d {
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

// describe writes a product description: the kind's blurb, the brand, a
// detail from the attributes, and one or two category sentences.
func describe(r *rand.Rand, def *categoryDef, k kind, brand string, attrs map[string]any) string {
	parts := []string{k.blurb}
	switch def.name {
	case "books":
		parts = append(parts, fmt.Sprintf("By %s, published by %s.", attrs["author"], brand))
	default:
		parts = append(parts, "From "+brand+".")
	}
	for _, s := range pickN(r, def.about, 1+r.IntN(2)) {
		parts = append(parts, s.(string))
	}
	return strings.Join(parts, " ")
}
