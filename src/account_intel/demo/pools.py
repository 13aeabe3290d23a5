"""Word pools for synthetic companies, places and people (data, not logic).

Surnames used by the story accounts (Wilson, Martinez, Chen, Stevens) are left out so a search for a story's
person finds only that person.
"""

from __future__ import annotations

NAME_HEADS = (
    "Blue", "North", "Silver", "Iron", "Bright", "Clear", "Red", "Stone", "Oak", "Pine", "Summit", "River",
    "Harbor", "Cedar", "Golden", "Swift", "Crest", "Maple", "Granite", "Coral", "Falcon", "Eagle", "Lumen",
    "Nova", "Vertex", "Apex", "Atlas", "Orbit", "Echo", "Prairie", "Copper", "Willow", "Aspen", "Birch",
    "Sky", "Sun", "Frost", "Amber", "Jade", "Cobalt",
)  # fmt: skip
NAME_TAILS = (
    "peak", "field", "water", "gate", "line", "stone", "bridge", "wave", "point", "ridge", "works", "light",
    "path", "view", "port", "vale", "wood", "haven", "spring", "rock", "mark", "shore", "crest", "fort",
    "brook", "hill", "lake", "moor", "star", "well",
)  # fmt: skip
NAME_NOUNS = (
    "Robotics", "Logistics", "Health", "Foods", "Capital", "Systems", "Labs", "Media", "Energy", "Analytics",
    "Learning", "Motors", "Biosciences", "Networks", "Partners", "Supply", "Apparel", "Software", "Freight",
    "Dynamics", "Pharma", "Outfitters", "Studios", "Security", "Insurance", "Clinics", "Devices", "Materials",
    "Hospitality", "Realty", "Brands", "Telecom", "Aerospace", "Farms", "Payments", "Marine", "Engineering",
    "Consulting", "Markets", "Fitness",
)  # fmt: skip
NAME_SUFFIXES = ("", "", "", " Inc.", " Group", " Ltd", " LLC", " Co.", " Holdings", " Corp")

INDUSTRIES = (
    "SaaS Technology", "Retail", "Financial Services", "Healthcare", "Manufacturing", "Logistics", "Education",
    "Media", "Telecommunications", "Energy", "Professional Services", "Insurance", "Hospitality", "Real Estate",
    "Biotech", "E-commerce", "Public Sector", "Automotive",
)  # fmt: skip

# country, region, weight, office cities
COUNTRIES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("United States", "North America", 40, ("New York", "Austin", "Chicago", "Denver", "Seattle", "Atlanta")),
    ("Canada", "North America", 6, ("Toronto", "Vancouver", "Montreal")),
    ("United Kingdom", "EMEA", 9, ("London", "Manchester", "Edinburgh")),
    ("Germany", "EMEA", 7, ("Berlin", "Munich", "Hamburg")),
    ("France", "EMEA", 5, ("Paris", "Lyon")),
    ("Netherlands", "EMEA", 4, ("Amsterdam", "Rotterdam")),
    ("Sweden", "EMEA", 2, ("Stockholm",)),
    ("Spain", "EMEA", 3, ("Madrid", "Barcelona")),
    ("Ireland", "EMEA", 2, ("Dublin",)),
    ("Australia", "APAC", 5, ("Sydney", "Melbourne")),
    ("Singapore", "APAC", 3, ("Singapore",)),
    ("Japan", "APAC", 3, ("Tokyo", "Osaka")),
    ("India", "APAC", 4, ("Bengaluru", "Pune")),
    ("Brazil", "LATAM", 4, ("Sao Paulo",)),
    ("Mexico", "LATAM", 3, ("Mexico City", "Monterrey")),
)

# The language a demo customer in each country is written to in (countries not listed: the default, English).
COUNTRY_LANGUAGE: dict[str, str] = {
    "Germany": "de",
    "France": "fr",
    "Netherlands": "nl",
    "Spain": "es",
    "Brazil": "pt-BR",
    "Mexico": "es-MX",
}
COUNTRY_SHORT = {"United States": "US", "United Kingdom": "UK", "Netherlands": "NL"}

DEPARTMENTS = (
    "Engineering", "Marketing", "Sales", "Customer Success", "Finance", "Operations", "Product", "IT",
    "Human Resources", "Legal", "Security", "Data & Analytics", "Support", "Procurement",
)  # fmt: skip
# Departments most likely to be the first one served, by industry flavour
FIRST_SERVED = ("Engineering", "IT", "Operations", "Data & Analytics", "Marketing", "Sales", "Finance")

FIRST_NAMES = (
    "Aisha", "Alex", "Amelia", "Ana", "Andre", "Ben", "Carla", "Chloe", "Daniel", "Diego", "Elena", "Emma",
    "Ethan", "Fatima", "Felix", "Grace", "Hannah", "Hiro", "Ian", "Isabel", "Jack", "Jamal", "Julia", "Kai",
    "Karen", "Leo", "Lena", "Liam", "Lucia", "Maya", "Mei", "Mia", "Nadia", "Noah", "Nora", "Olga", "Omar",
    "Paul", "Priya", "Quinn", "Rafael", "Raj", "Rosa", "Ryan", "Sam", "Sara", "Sofia", "Tariq", "Theo",
    "Uma", "Victor", "Wendy", "Yara", "Yusuf", "Zoe", "Greta", "Hugo", "Ines", "Jonas", "Kemal",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Baker", "Bauer", "Bennett", "Bianchi", "Brooks", "Campbell",
    "Castillo", "Clarke", "Costa", "Dalton", "Dubois", "Eriksen", "Farouk", "Fischer", "Foster", "Garcia",
    "Gupta", "Hansen", "Hayes", "Hughes", "Ibrahim", "Ito", "Jensen", "Kaur", "Keller", "Kowalski", "Larsen",
    "Lopez", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Park", "Patel", "Perez",
    "Quinn", "Rahman", "Reyes", "Rossi", "Schmidt", "Silva", "Singh", "Sullivan", "Tanaka", "Torres", "Varga",
    "Walsh", "Weber", "Yamamoto", "Young", "Zhang", "Ortiz", "Hale",
)  # fmt: skip

EXECUTIVE_TITLES = {
    "CEO": None, "CFO": "Finance", "CTO": "Engineering", "COO": "Operations", "CIO": "IT",
    "CMO": "Marketing", "Chief Security Officer": "Security",
}  # fmt: skip
TITLE_LEVELS = ("VP of {d}", "Head of {d}", "Director of {d}", "{d} Manager", "Senior {d} Specialist", "{d} Lead")

CHURN_REASONS = ("budget", "competitor", "low_adoption", "acquired", "product_fit", "support")
