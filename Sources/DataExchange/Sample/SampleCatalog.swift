/// The words a sample utility is made of: the people, streets, cities and meters that real
/// exports are full of. Names include apostrophes and accents, as real customer lists do.
enum SampleCatalog {
    struct City: Sendable {
        var name: String
        var state: String
        var country: String
        var county: String
        /// Postal codes of the city's neighbourhoods.
        var postalCodes: [String]
        /// The city centre in millionths of a degree.
        var latitude: Int
        var longitude: Int
        /// An IANA name, as Service_Point_Timezone takes it.
        var timeZone: String
    }

    struct MeterMaker: Sendable {
        var name: String
        /// Meter_ID's prefix, the way change-out crews write it.
        var prefix: String
        var models: [String]
        var compoundModels: [String]
    }

    static let firstNames = [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara",
        "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "María", "Wei", "Mei", "Ahmed", "Fatima", "Olga",
        "Ivan", "Sofia", "Liam", "Noah", "Emma", "Zoë", "José", "Renée", "Chloé", "Aaliyah", "Darnell", "Priya", "Hiroshi",
    ]
    static let lastNames = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernández",
        "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
        "White", "Harris", "Nguyen", "Kim", "O'Brien", "Müller", "Dubois", "Kowalski", "Okafor", "Patel", "Schmidt",
    ]
    static let businesses = [
        "Riverside Dental", "Blue Heron Cafe", "Summit Hardware", "Lakeview Apartments LLC", "Grace Community Church",
        "Northside Elementary", "Quick Stop Market", "Evergreen Laundromat", "Harbor Fitness", "Maple Grove HOA",
    ]
    static let streets = [
        "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset", "Lincoln", "Jackson",
        "River", "Church", "Spring", "Ridge", "Highland", "Meadow", "Forest", "Martin Luther King Jr", "Second", "Third", "Willow",
    ]
    static let streetSuffixes = ["St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl"]
    static let cities = [
        City(name: "Milwaukee", state: "WI", country: "USA", county: "Milwaukee", postalCodes: ["53202", "53204", "53207", "53211", "53215"],
             latitude: 43_038_900, longitude: -87_906_500, timeZone: "America/Chicago"),
        City(name: "Tucson", state: "AZ", country: "USA", county: "Pima", postalCodes: ["85701", "85705", "85711", "85719", "85745"],
             latitude: 32_222_600, longitude: -110_974_700, timeZone: "America/Phoenix"),
        City(name: "Raleigh", state: "NC", country: "USA", county: "Wake", postalCodes: ["27601", "27603", "27605", "27610", "27615"],
             latitude: 35_779_600, longitude: -78_638_200, timeZone: "America/New_York"),
        City(name: "Boise", state: "ID", country: "USA", county: "Ada", postalCodes: ["83702", "83704", "83705", "83706", "83709"],
             latitude: 43_615_000, longitude: -116_202_300, timeZone: "America/Boise"),
        City(name: "Tacoma", state: "WA", country: "USA", county: "Pierce", postalCodes: ["98402", "98403", "98405", "98406", "98408"],
             latitude: 47_252_900, longitude: -122_444_300, timeZone: "America/Los_Angeles"),
        City(name: "Fort Wayne", state: "IN", country: "USA", county: "Allen", postalCodes: ["46802", "46803", "46805", "46807", "46808"],
             latitude: 41_079_300, longitude: -85_139_400, timeZone: "America/Indiana/Indianapolis"),
        City(name: "Louisville", state: "KY", country: "USA", county: "Jefferson", postalCodes: ["40202", "40203", "40204", "40205", "40206"],
             latitude: 38_252_700, longitude: -85_758_500, timeZone: "America/Kentucky/Louisville"),
        City(name: "Denver", state: "CO", country: "USA", county: "Denver", postalCodes: ["80202", "80203", "80205", "80206", "80210"],
             latitude: 39_739_200, longitude: -104_990_300, timeZone: "America/Denver"),
        City(name: "Anchorage", state: "AK", country: "USA", county: "Anchorage", postalCodes: ["99501", "99503", "99504", "99507", "99508"],
             latitude: 61_218_100, longitude: -149_900_300, timeZone: "America/Anchorage"),
        City(name: "Honolulu", state: "HI", country: "USA", county: "Honolulu", postalCodes: ["96813", "96814", "96815", "96816", "96822"],
             latitude: 21_306_900, longitude: -157_858_300, timeZone: "Pacific/Honolulu"),
        City(name: "Savannah", state: "GA", country: "USA", county: "Chatham", postalCodes: ["31401", "31404", "31405", "31406", "31419"],
             latitude: 32_080_900, longitude: -81_091_200, timeZone: "America/New_York"),
        City(name: "Springfield", state: "MO", country: "USA", county: "Greene", postalCodes: ["65802", "65803", "65804", "65806", "65807"],
             latitude: 37_209_000, longitude: -93_292_300, timeZone: "America/Chicago"),
        City(name: "Bismarck", state: "ND", country: "USA", county: "Burleigh", postalCodes: ["58501", "58503", "58504"],
             latitude: 46_808_300, longitude: -100_783_700, timeZone: "America/Chicago"),
        City(name: "Halifax", state: "NS", country: "CAN", county: "Halifax", postalCodes: ["B3H 1A1", "B3J 2K9", "B3K 5M5", "B3L 3B2"],
             latitude: 44_648_800, longitude: -63_575_200, timeZone: "America/Halifax"),
        City(name: "Regina", state: "SK", country: "CAN", county: "Division No. 6", postalCodes: ["S4P 3Y2", "S4R 1H6", "S4S 0A2", "S4T 6N1"],
             latitude: 50_445_200, longitude: -104_618_900, timeZone: "America/Regina"),
    ]
    static let makers = [
        MeterMaker(name: "Badger Meter", prefix: "BA", models: ["Recordall M25", "Recordall M35", "E-Series Ultrasonic", "Recordall M70"],
                   compoundModels: ["Recordall Compound"]),
        MeterMaker(name: "Neptune", prefix: "NE", models: ["T-10", "MACH 10", "HP Turbine"], compoundModels: ["TRU/FLO Compound"]),
        MeterMaker(name: "Sensus", prefix: "SE", models: ["iPERL", "SR II", "accuMAG"], compoundModels: ["OMNI C2"]),
        MeterMaker(name: "Itron", prefix: "IT", models: ["Intelis", "Multijet"], compoundModels: ["Intelis Compound"]),
        MeterMaker(name: "Kamstrup", prefix: "KA", models: ["flowIQ 2200", "flowIQ 3100"], compoundModels: ["flowIQ 3100 Compound"]),
        MeterMaker(name: "Master Meter", prefix: "MM", models: ["Octave", "Bermad"], compoundModels: ["Octave Compound"]),
        MeterMaker(name: "Zenner", prefix: "ZE", models: ["ETK", "PMN"], compoundModels: ["MTW Compound"]),
    ]
    /// Inches; 5/8 inch residential meters are by far the most common.
    static let residentialSizes = ["0.625", "0.625", "0.625", "0.625", "0.75", "0.75", "1", "1.5", "2"]
    static let largeSizes = ["2", "3", "4", "6", "8"]
    static let registerUnits = ["GAL", "GAL", "GAL", "CUBIC_FEET", "CCF", "CUBIC_METER"]
    static let resolutions = ["1", "1", "10", "100", "0.1", "0.01"]
    /// M, N and 5 mobile, C cellular, S and F fixed network.
    static let endpointTypes = ["M", "M", "M", "N", "5", "C", "S", "S", "F"]
    static let buildingTypes = ["single family", "single family", "single family", "duplex", "apartments", "retail", "dining", "office", "school", "industrial", "park"]
    static let classCodes = ["RES", "RES", "RES", "COM", "IND", "IRR", "MF", "GOV"]
    static let pitTypes = ["", "", "Concrete pit", "Plastic pit", "Basement", "Vault"]
    static let meterNotes = ["", "", "", "", "", "", "Dog in yard", "Meter under deck", "Lid cracked", "Call before reading", "Locked gate"]
}
