/// The columns the sample generator fills, by their names in the specification. The header and
/// the order of the columns come from the specification; a column it does not name stays blank,
/// and a field the specification does not have is left out.
enum SampleField: Int, CaseIterable, Sendable {
    case accountID
    case personID
    case accountFirstName
    case accountLastName
    case accountFullName
    case accountEmail
    case accountPhone
    case accountStatus
    case accountPortalStatus
    case accountBillingCycle
    case accountPaperless
    case accountAutoPay
    case billingAddressLine1
    case billingAddressLine2
    case billingAddressLine3
    case billingCity
    case billingState
    case billingZip
    case billingCountry
    case locationID
    case locationName
    case locationAddressParity
    case locationAddressLine1
    case locationAddressLine2
    case locationAddressLine3
    case locationCity
    case locationState
    case locationZip
    case locationCountyName
    case locationCountry
    case locationLatitude
    case locationLongitude
    case locationBuildingType
    case locationArea
    case locationPopulation
    case locationIrrigation
    case locationYearBuilt
    case locationPool
    case locationBathrooms
    case locationParcelNumber
    case servicePointID
    case servicePointType
    case servicePointCycle
    case servicePointRoute
    case servicePointClassCode
    case servicePointClassCodeNormalized
    case servicePointTimezone
    case supplyZoneID
    case serviceAgreementStartDate
    case meterID
    case meterSN
    case meterManufacturer
    case meterModel
    case meterSize
    case meterSizeUnit
    case meterContinuousFlow
    case meterNote
    case meterInstallDate
    case meterInstallStartRead
    case meterRemovalDate
    case fluidType
    case pitType
    case registerNumber
    case registerUnitOfMeasure
    case registerResolution
    case endpointSN
    case endpointType
    case endpointInstallDate
    case readSequence
    case alertCode
    case highReadLimit
    case lowReadLimit

    var columnName: String {
        switch self {
        case .accountID: "Account_ID"
        case .personID: "Person_ID"
        case .accountFirstName: "Account_First_Name"
        case .accountLastName: "Account_Last_Name"
        case .accountFullName: "Account_Full_Name"
        case .accountEmail: "Account_Email"
        case .accountPhone: "Account_Phone"
        case .accountStatus: "Account_Status"
        case .accountPortalStatus: "Account_Portal_Status"
        case .accountBillingCycle: "Account_Billing_Cycle"
        case .accountPaperless: "Account_Paperless"
        case .accountAutoPay: "Account_AutoPay"
        case .billingAddressLine1: "Billing_Address_Line1"
        case .billingAddressLine2: "Billing_Address_Line2"
        case .billingAddressLine3: "Billing_Address_Line3"
        case .billingCity: "Billing_City"
        case .billingState: "Billing_State"
        case .billingZip: "Billing_Zip"
        case .billingCountry: "Billing_Country"
        case .locationID: "Location_ID"
        case .locationName: "Location_Name"
        case .locationAddressParity: "Location_Address_Parity"
        case .locationAddressLine1: "Location_Address_Line1"
        case .locationAddressLine2: "Location_Address_Line2"
        case .locationAddressLine3: "Location_Address_Line3"
        case .locationCity: "Location_City"
        case .locationState: "Location_State"
        case .locationZip: "Location_Zip"
        case .locationCountyName: "Location_County_Name"
        case .locationCountry: "Location_Country"
        case .locationLatitude: "Location_Latitude"
        case .locationLongitude: "Location_Longitude"
        case .locationBuildingType: "Location_Building_Type"
        case .locationArea: "Location_Area"
        case .locationPopulation: "Location_Population"
        case .locationIrrigation: "Location_Irrigation"
        case .locationYearBuilt: "Location_Year_Built"
        case .locationPool: "Location_Pool"
        case .locationBathrooms: "Location_Bathrooms"
        case .locationParcelNumber: "Location_Parcel_Number"
        case .servicePointID: "Service_Point_ID"
        case .servicePointType: "Service_Point_Type"
        case .servicePointCycle: "Service_Point_Cycle"
        case .servicePointRoute: "Service_Point_Route"
        case .servicePointClassCode: "Service_Point_Class_Code"
        case .servicePointClassCodeNormalized: "Service_Point_Class_Code_Normalized"
        case .servicePointTimezone: "Service_Point_Timezone"
        case .supplyZoneID: "Supply_Zone_ID"
        case .serviceAgreementStartDate: "SA_Start_Date"
        case .meterID: "Meter_ID"
        case .meterSN: "Meter_SN"
        case .meterManufacturer: "Meter_Manufacturer"
        case .meterModel: "Meter_Model"
        case .meterSize: "Meter_Size"
        case .meterSizeUnit: "Meter_Size_Unit"
        case .meterContinuousFlow: "Meter_Continuous_Flow"
        case .meterNote: "Meter_Note"
        case .meterInstallDate: "Meter_Install_Date"
        case .meterInstallStartRead: "Meter_Install_Start_Read"
        case .meterRemovalDate: "Meter_Removal_Date"
        case .fluidType: "Fluid_Type"
        case .pitType: "Pit_Type"
        case .registerNumber: "Register_Number"
        case .registerUnitOfMeasure: "Register_Unit_Of_Measure"
        case .registerResolution: "Register_Resolution"
        case .endpointSN: "Endpoint_SN"
        case .endpointType: "Endpoint_Type"
        case .endpointInstallDate: "Endpoint_Install_Date"
        case .readSequence: "Read_Sequence"
        case .alertCode: "Alert_Code"
        case .highReadLimit: "High_Read_Limit"
        case .lowReadLimit: "Low_Read_Limit"
        }
    }
}
