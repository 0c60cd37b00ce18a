/// The names of the fields the state stores, each known by its place in this list: a stored
/// field names itself by that number instead of by its name, which was most of a state row's
/// bytes. Append only: a name's number is in every row written since. A name not here (from an
/// amended specification) is stored whole.
enum FieldNames {
    static let known: [String] = [
        "Account_ID", "Person_ID", "Account_First_Name", "Account_Last_Name", "Account_Full_Name", "Account_Email",
        "Account_Phone", "Account_Phone_Extension", "Account_Status", "Account_Portal_Status",
        "Account_Billing_Cycle", "Account_Paperless", "Account_AutoPay", "Account_BillerAutoPay",
        "Billing_Address_Line1", "Billing_Address_Line2", "Billing_Address_Line3", "Billing_City", "Billing_State",
        "Billing_Zip", "Billing_Country", "Location_ID", "Location_Name", "Location_Address_Parity",
        "Location_Address_Line1", "Location_Address_Line2", "Location_Address_Line3", "Location_City",
        "Location_State", "Location_Zip", "Location_County_Name", "Location_Country", "Location_Latitude",
        "Location_Longitude", "Location_Building_Type", "Location_Building_Number", "Location_Site",
        "Location_Funding", "Location_Main_Use", "Location_Water_Type", "Location_Area", "Location_Irrigated_Area",
        "Location_Population", "Location_Irrigation", "Location_Year_Built", "Location_Pool", "Location_Bathrooms",
        "Location_District", "Location_DHS_Code", "Location_Parcel_Number", "Service_Point_ID", "Service_Point_Type",
        "Service_Point_Cycle", "Service_Point_Route", "Service_Point_Class_Code",
        "Service_Point_Class_Code_Normalized", "Service_Point_Latitude", "Service_Point_Longitude",
        "Service_Point_Timezone", "Supply_Zone_ID", "Demand_Zone_ID", "SA_Start_Date", "SA_End_Date", "Meter_ID",
        "Meter_SN", "Meter_Manufacturer", "Meter_Model", "Meter_Size", "Meter_Size_Unit", "Meter_Continuous_Flow",
        "Meter_Note", "Meter_Install_Date", "Meter_Install_Start_Read", "Meter_Removal_Date",
        "Meter_Removal_End_Read", "Fluid_Type", "Gas_Pressure_Compensation", "Gas_Sub_Count", "Pit_Type",
        "Meter_Text_1", "Meter_Text_2", "Meter_Text_3", "Register_Number", "Register_Unit_Of_Measure",
        "Register_Resolution", "Register_Note", "Endpoint_SN", "Endpoint_Type", "Endpoint_Install_Date",
        "Endpoint_Removal_Date", "Read_Sequence", "Alert_Code", "High_Read_Limit", "Low_Read_Limit", "Utility_Use_1",
        "Utility_Use_2"
    ]

    /// Each known name's UTF-8 bytes, by number.
    static let bytes: [[UInt8]] = known.map { Array($0.utf8) }

    static let numbers: [String: Int] = Dictionary(uniqueKeysWithValues: known.enumerated().map { ($1, $0) })
}
