/// One place a sample utility serves, with everything a Data Exchange file says about it: its
/// account, its service points, their meters and the endpoints that read them. Values are kept
/// as the text the file carries, so that writing a row copies strings and formats nothing.
struct SampleLocation: Sendable {
    struct Account: Sendable {
        var id: String
        /// What the ID Update file's new Account_ID is made from.
        var counter: Int
        var personID: String
        var firstName: String
        var lastName: String
        var fullName: String
        var email: String
        var phone: String
        var portalStatus: String
        var billingCycle: String
        var paperless: String
        var autoPay: String
        var billingLines: [String]
        var startDate: String
    }

    struct Endpoint: Sendable {
        var serialNumber: String
        var type: String
        var installDate: String
    }

    struct Meter: Sendable {
        var id: String
        var counter: Int
        var serialNumber: String
        var manufacturer: String
        var model: String
        var size: String
        var continuousFlow: String
        var note: String
        var installDay: Int
        var installDate: String
        var startRead: String
        var pitType: String
        var registerUnit: String
        var resolution: String
        /// One per register: `[""]` for a single register, `["L", "H"]` for a compound meter.
        var registers: [String]
        /// The endpoint of each register; nil for a manually read meter.
        var endpoints: [Endpoint?]
    }

    struct ServicePoint: Sendable {
        var id: String
        var type: String
        var route: String
        var classCode: String
        var readSequence: String
        var highReadLimit: String
        var alertCode: String
        var supplyZone: String
        var meter: Meter
        /// A field this service point's configuration erased, and the generation that erased it:
        /// that generation's file says `_CLEAR_`, later ones leave it blank.
        var cleared: (field: SampleField, generation: Int)?
    }

    var index: Int
    var id: String
    var name: String
    var parity: String
    var addressLines: [String]
    var city: SampleCatalog.City
    var postalCode: String
    var latitude: String
    var longitude: String
    var buildingType: String
    var yearBuilt: String
    var pool: String
    var irrigation: String
    var population: String
    var bathrooms: String
    var area: String
    var parcelNumber: String
    var account: Account
    var servicePoints: [ServicePoint]
}
