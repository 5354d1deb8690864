//! The catalogue's rows: one per supported term, as `Variant = "term", Kind, Type, flags;`.
//!
//! Flags: `card` (cards show it for every matched object), `linux` (a live Linux scan fills
//! it; without it a state scan cannot observe the term), `many` (a list of values), `content`
//! (needs the item's content read), `inferred` / `approximate` (the grade of a state scan's
//! value, exact otherwise), `handle` / `section` / `port` (a column of that process sub-list), `pesection` /
//! `peimport` / `peversion` (a column of that PE list).
//! Rows are data: the rules that read them are in [`super`].

use super::flags;
use super::{ItemKind, Term, ValueType};

catalogue! {
    // FileItem: flat terms of the 2020 catalogue.
    FileFullPath = "FileItem/FullPath", File, String, card, linux;
    FileFilePath = "FileItem/FilePath", File, String, linux;
    FileFileName = "FileItem/FileName", File, String, linux;
    FileFileExtension = "FileItem/FileExtension", File, String, linux;
    FileSizeInBytes = "FileItem/SizeInBytes", File, Int, card, linux;
    FileCreated = "FileItem/Created", File, Date, linux;
    FileModified = "FileItem/Modified", File, Date, linux;
    FileAccessed = "FileItem/Accessed", File, Date, linux;
    FileChanged = "FileItem/Changed", File, Date, linux;
    FileUsername = "FileItem/Username", File, String, linux;
    FileGroup = "FileItem/Group", File, String, linux;
    FileGroupId = "FileItem/GroupID", File, String, linux;
    FileSecurityId = "FileItem/SecurityID", File, String, linux;
    FilePermissions = "FileItem/Permissions", File, Int, linux;
    FileAttributes = "FileItem/FileAttributes", File, String, linux;
    FileINode = "FileItem/INode", File, Int, linux;
    FileSymlinkTarget = "FileItem/SymlinkTarget", File, String, linux;
    FileMd5sum = "FileItem/Md5sum", File, Md5, card, linux, content;
    FileSha1sum = "FileItem/Sha1sum", File, Sha1, linux, content;
    FileSha256sum = "FileItem/Sha256sum", File, Sha256, card, linux, content;
    FileDevicePath = "FileItem/DevicePath", File, String;
    FileDrive = "FileItem/Drive", File, String;
    FileSecurityType = "FileItem/SecurityType", File, String;
    FileFilenameCreated = "FileItem/FilenameCreated", File, Date;
    FileFilenameModified = "FileItem/FilenameModified", File, Date;
    FileFilenameAccessed = "FileItem/FilenameAccessed", File, Date;
    FileFilenameChanged = "FileItem/FilenameChanged", File, Date;
    FileDetectedAnomaly = "FileItem/detectedAnomaly", File, String;

    // FileItem/StringList: printable runs of the file's content (see `collect::content`).
    FileStringListString = "FileItem/StringList/string", File, String, many, linux, content;

    // Yara: Mandiant's OpenIOC-to-YARA strings about the scanned file (`compile::yara`). A
    // file's value lists the keys of the strings found in it.
    FileYaraTextString = "Yara/TextString", File, String, many, linux, content;
    FileYaraHexString = "Yara/HexString", File, String, many, linux, content;
    FileYaraRegexString = "Yara/RegexString", File, String, many, linux, content;
    FileYaraFileSize = "Yara/FileSize", File, Int, linux;
    // A whole YARA rule text (`compile::yara_rule`, feature `yara`): the file's value lists
    // the engine namespaces whose rules match it.
    FileYaraRule = "Yara/Yara", File, String, many, linux, content;

    // FileItem/PEInfo: read from the file's own bytes, in the hashing read. Sections, imported
    // modules and version-info tables are lists whose columns bind one element under an AND;
    // imported and exported function names are flat lists of the whole file.
    FilePeType = "FileItem/PEInfo/Type", File, String, linux, content;
    FilePeSubsystem = "FileItem/PEInfo/Subsystem", File, String, linux, content;
    FilePeBaseAddress = "FileItem/PEInfo/BaseAddress", File, Int, linux, content;
    FilePeTimeStamp = "FileItem/PEInfo/PETimeStamp", File, Date, linux, content;
    FilePeChecksumRaw = "FileItem/PEInfo/PEChecksum/PEFileRaw", File, Int, linux, content;
    FilePeChecksumFileApi = "FileItem/PEInfo/PEChecksum/PEFileAPI", File, Int, linux, content;
    FilePeChecksumComputed = "FileItem/PEInfo/PEChecksum/PEComputedAPI", File, Int, linux, content;
    FilePeNumberOfSections = "FileItem/PEInfo/Sections/NumberOfSections", File, Int, linux, content;
    FilePeActualNumberOfSections = "FileItem/PEInfo/Sections/ActualNumberOfSections", File, Int, linux, content;
    FilePeSectionName = "FileItem/PEInfo/Sections/Section/Name", File, String, many, pesection, linux, content;
    FilePeSectionSize = "FileItem/PEInfo/Sections/Section/SizeInBytes", File, Int, many, pesection, linux, content;
    FilePeSectionEntropy = "FileItem/PEInfo/Sections/Section/Entropy/AverageValue", File, Float, many, pesection, linux, content;
    FilePeSectionEntropyCurve = "FileItem/PEInfo/Sections/Section/Entropy/CurveData/float", File, Float, many, pesection, linux, content, approximate;
    FilePeImportModule = "FileItem/PEInfo/ImportedModules/Module/Name", File, String, many, peimport, linux, content;
    FilePeImportModuleFunctions = "FileItem/PEInfo/ImportedModules/Module/NumberOfFunctions", File, Int, many, peimport, linux, content;
    FilePeImportFunction = "FileItem/PEInfo/ImportedModules/Module/ImportedFunctions/string", File, String, many, linux, content;
    FilePeExportsDllName = "FileItem/PEInfo/Exports/DllName", File, String, linux, content;
    FilePeExportsTimeStamp = "FileItem/PEInfo/Exports/ExportsTimeStamp", File, Date, linux, content;
    FilePeExportsNumberOfFunctions = "FileItem/PEInfo/Exports/NumberOfFunctions", File, Int, linux, content;
    FilePeExportsNumberOfNames = "FileItem/PEInfo/Exports/NumberOfNames", File, Int, linux, content;
    FilePeExportFunction = "FileItem/PEInfo/Exports/ExportedFunctions/string", File, String, many, linux, content;
    FilePeSignatureExists = "FileItem/PEInfo/DigitalSignature/SignatureExists", File, Bool, linux, content;
    // The signer's certificate of each Authenticode signature, named as CryptoAPI does.
    FilePeCertificateSubject = "FileItem/PEInfo/DigitalSignature/CertificateSubject", File, String, many, linux, content;
    FilePeCertificateIssuer = "FileItem/PEInfo/DigitalSignature/CertificateIssuer", File, String, many, linux, content;
    // One element per resource of the resource directory (type / name / language leaves).
    FilePeResourceName = "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem/Name", File, String, many, peresource, linux, content;
    FilePeResourceType = "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem/Type", File, String, many, peresource, linux, content;
    FilePeResourceSize = "FileItem/PEInfo/ResourceInfoList/ResourceInfoItem/Size", File, Int, many, peresource, linux, content;
    // Only the anomalies `pe::ANOMALIES` defines; the compiler refuses other names.
    FilePeDetectedAnomalies = "FileItem/PEInfo/DetectedAnomalies/string", File, String, many, linux, content;
    // Verifying Authenticode needs the signer's chain and trust store: never observed here.
    FilePeSignatureVerified = "FileItem/PEInfo/DigitalSignature/SignatureVerified", File, Bool, content;
    FilePeVersionLanguage = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/Language", File, String, many, peversion, linux, content;
    FilePeVersionComments = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/Comments", File, String, many, peversion, linux, content;
    FilePeVersionCompanyName = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/CompanyName", File, String, many, peversion, linux, content;
    FilePeVersionFileDescription = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/FileDescription", File, String, many, peversion, linux, content;
    FilePeVersionFileVersion = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/FileVersion", File, String, many, peversion, linux, content;
    FilePeVersionInternalName = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/InternalName", File, String, many, peversion, linux, content;
    FilePeVersionLegalCopyright = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/LegalCopyright", File, String, many, peversion, linux, content;
    FilePeVersionLegalTrademarks = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/LegalTrademarks", File, String, many, peversion, linux, content;
    FilePeVersionOriginalFilename = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/OriginalFilename", File, String, many, peversion, linux, content;
    FilePeVersionPrivateBuild = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/PrivateBuild", File, String, many, peversion, linux, content;
    FilePeVersionProductName = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/ProductName", File, String, many, peversion, linux, content;
    FilePeVersionProductVersion = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/ProductVersion", File, String, many, peversion, linux, content;
    FilePeVersionSpecialBuild = "FileItem/PEInfo/VersionInfoList/VersionInfoItem/SpecialBuild", File, String, many, peversion, linux, content;

    // ProcessItem: flat terms.
    ProcessPid = "ProcessItem/pid", Process, Int, card, linux;
    ProcessParentPid = "ProcessItem/parentpid", Process, Int, card, linux;
    ProcessName = "ProcessItem/name", Process, String, card, linux;
    ProcessPath = "ProcessItem/path", Process, String, card, linux;
    ProcessArguments = "ProcessItem/arguments", Process, String, card, linux;
    ProcessUsername = "ProcessItem/Username", Process, String, card, linux;
    ProcessStartTime = "ProcessItem/startTime", Process, Date, card, linux;
    ProcessKernelTime = "ProcessItem/kernelTime", Process, String, linux;
    ProcessUserTime = "ProcessItem/userTime", Process, String, linux;
    ProcessSecurityId = "ProcessItem/SecurityID", Process, String, linux;
    ProcessSecurityType = "ProcessItem/SecurityType", Process, String;
    ProcessDetectedAnomaly = "ProcessItem/detectedAnomaly", Process, String;
    ProcessHidden = "ProcessItem/hidden", Process, String;
    // Strings of the process's readable memory (see `collect::process::memory`).
    ProcessStringListString = "ProcessItem/StringList/string", Process, String, many, linux, content;

    // PortItem.
    PortPid = "PortItem/pid", Port, Int, linux;
    PortProcess = "PortItem/process", Port, String, linux;
    PortPath = "PortItem/path", Port, String, linux;
    PortState = "PortItem/state", Port, String, linux;
    PortLocalIp = "PortItem/localIP", Port, Ip, card, linux;
    PortRemoteIp = "PortItem/remoteIP", Port, Ip, card, linux;
    PortLocalPort = "PortItem/localPort", Port, Int, card, linux;
    PortRemotePort = "PortItem/remotePort", Port, Int, card, linux;
    PortProtocol = "PortItem/protocol", Port, String, card, linux;
    PortIsIpv6 = "PortItem/isIPv6", Port, Bool, linux;
    PortCreationTime = "PortItem/CreationTime", Port, Date;

    // ArpEntryItem.
    ArpInterface = "ArpEntryItem/Interface", ArpEntry, String, linux;
    ArpInterfaceType = "ArpEntryItem/InterfaceType", ArpEntry, String, linux;
    ArpPhysicalAddress = "ArpEntryItem/PhysicalAddress", ArpEntry, Mac, card, linux;
    ArpIpv4Address = "ArpEntryItem/IPv4Address", ArpEntry, Ip, card, linux;
    ArpIpv6Address = "ArpEntryItem/IPv6Address", ArpEntry, Ip, card, linux;
    ArpCacheType = "ArpEntryItem/CacheType", ArpEntry, String, linux;
    ArpState = "ArpEntryItem/State", ArpEntry, String, linux;
    ArpIsRouter = "ArpEntryItem/IsRouter", ArpEntry, Bool, linux;
    ArpLastReachable = "ArpEntryItem/LastReachable", ArpEntry, String;
    ArpLastUnreachable = "ArpEntryItem/LastUnreachable", ArpEntry, String;

    // SystemInfoItem: flat terms and the network adapter lists.
    SysHostname = "SystemInfoItem/hostname", SystemInfo, String, card, linux;
    SysDomain = "SystemInfoItem/domain", SystemInfo, String, card, linux;
    SysOs = "SystemInfoItem/OS", SystemInfo, String, card, linux;
    SysPlatform = "SystemInfoItem/platform", SystemInfo, String, linux;
    SysProductName = "SystemInfoItem/productName", SystemInfo, String, card, linux;
    SysKernelVersion = "SystemInfoItem/kernelVersion", SystemInfo, String, card, linux;
    SysMachine = "SystemInfoItem/machine", SystemInfo, String, linux;
    SysOsBitness = "SystemInfoItem/OSbitness", SystemInfo, String, linux;
    SysProcessor = "SystemInfoItem/processor", SystemInfo, String, linux;
    SysUptime = "SystemInfoItem/uptime", SystemInfo, String, linux;
    SysDate = "SystemInfoItem/date", SystemInfo, Date, linux;
    SysTimezone = "SystemInfoItem/timezone", SystemInfo, String, linux;
    SysTimezoneDst = "SystemInfoItem/timezoneDST", SystemInfo, String, linux;
    SysTimezoneStandard = "SystemInfoItem/timezoneStandard", SystemInfo, String, linux;
    SysGmtOffset = "SystemInfoItem/gmtoffset", SystemInfo, String, linux;
    SysMac = "SystemInfoItem/MAC", SystemInfo, Mac, linux;
    SysPrimaryIp = "SystemInfoItem/primaryIpAddress", SystemInfo, Ip, linux;
    SysPrimaryIpv4 = "SystemInfoItem/primaryIpv4Address", SystemInfo, Ip, linux;
    SysPrimaryIpv6 = "SystemInfoItem/primaryIpv6Address", SystemInfo, Ip, linux;
    SysUser = "SystemInfoItem/user", SystemInfo, String, linux;
    SysLoggedOnUser = "SystemInfoItem/loggedOnUser", SystemInfo, String, many, linux;
    SysTotalPhysical = "SystemInfoItem/totalphysical", SystemInfo, Int, linux;
    SysAvailPhysical = "SystemInfoItem/availphysical", SystemInfo, Int, linux;
    SysInstallDate = "SystemInfoItem/installDate", SystemInfo, Date;
    SysAppVersion = "SystemInfoItem/appVersion", SystemInfo, String, linux;
    SysAppCreated = "SystemInfoItem/appCreated", SystemInfo, Date;
    SysBuildNumber = "SystemInfoItem/buildNumber", SystemInfo, String;
    SysClockSkew = "SystemInfoItem/clockSkew", SystemInfo, String;
    SysContainmentState = "SystemInfoItem/containmentState", SystemInfo, String;
    SysDirectory = "SystemInfoItem/directory", SystemInfo, String;
    SysDrives = "SystemInfoItem/drives", SystemInfo, String;
    SysPatchLevel = "SystemInfoItem/patchLevel", SystemInfo, String;
    SysProcType = "SystemInfoItem/procType", SystemInfo, String;
    SysProductId = "SystemInfoItem/productID", SystemInfo, String;
    SysRegOrg = "SystemInfoItem/regOrg", SystemInfo, String;
    SysRegOwner = "SystemInfoItem/regOwner", SystemInfo, String;
    SysStateAgentStatus = "SystemInfoItem/stateAgentStatus", SystemInfo, String;
    SysVersion = "SystemInfoItem/version", SystemInfo, String;
    SysNetAdapter = "SystemInfoItem/networkArray/networkInfo/adapter", SystemInfo, String, many, linux;
    SysNetDescription = "SystemInfoItem/networkArray/networkInfo/description", SystemInfo, String, many;
    SysNetMac = "SystemInfoItem/networkArray/networkInfo/MAC", SystemInfo, Mac, many, linux;
    SysNetIpAddress = "SystemInfoItem/networkArray/networkInfo/ipArray/ipInfo/ipAddress", SystemInfo, Ip, many, linux;
    SysNetIpv6Address = "SystemInfoItem/networkArray/networkInfo/ipArray/ipInfo/ipv6Address", SystemInfo, Ip, many, linux;
    SysNetSubnetMask = "SystemInfoItem/networkArray/networkInfo/ipArray/ipInfo/subnetMask", SystemInfo, String, many, linux;
    SysNetGateway = "SystemInfoItem/networkArray/networkInfo/ipGatewayArray/ipGateway", SystemInfo, Ip, many, linux;
    SysNetDhcpServer = "SystemInfoItem/networkArray/networkInfo/dhcpServerArray/dhcpServer", SystemInfo, Ip, many;
    SysNetDhcpLeaseObtained = "SystemInfoItem/networkArray/networkInfo/dhcpLeaseObtained", SystemInfo, Date, many;
    SysNetDhcpLeaseExpires = "SystemInfoItem/networkArray/networkInfo/dhcpLeaseExpires", SystemInfo, Date, many;

    // UserItem.
    UserUsername = "UserItem/Username", User, String, card, linux;
    UserFullname = "UserItem/fullname", User, String, linux;
    UserUserid = "UserItem/userid", User, Int, linux;
    UserGroupList = "UserItem/grouplist/groupname", User, String, many, linux;
    UserHomeDirectory = "UserItem/homedirectory", User, String, linux;
    UserShell = "UserItem/shell", User, String, linux;
    UserDisabled = "UserItem/disabled", User, Bool, linux;
    UserLockedOut = "UserItem/lockedout", User, Bool, linux;
    UserPasswordRequired = "UserItem/passwordrequired", User, Bool, linux;
    UserLastLogin = "UserItem/LastLogin", User, Date;
    UserDescription = "UserItem/description", User, String, linux;
    UserAutologin = "UserItem/autologin", User, Bool;
    UserScriptPath = "UserItem/scriptpath", User, String;
    UserSecurityId = "UserItem/SecurityID", User, String, linux;
    UserSecurityType = "UserItem/SecurityType", User, String;
    UserUserGuid = "UserItem/userguid", User, String;
    UserPasswordAge = "UserItem/userpasswordage", User, String;

    // Real-time events (HX "eventItem" documents), one kind per family. The canonical name is
    // the catalogue's `eventItem/<family>/<field>`; `<family>/<field>`, as HX exports write it,
    // is the same term. Flags after the type: the grade of a Linux state scan's value
    // (exact unless `inferred` or `approximate`; not observable without `linux`).

    EvUid = "eventItem/uid", Event, String, card;
    EvSequenceNum = "eventItem/sequence_num", Event, String;
    EvTimestamp = "eventItem/timestamp", Event, Date, card;
    EvEventType = "eventItem/eventType", Event, String, card;
    EvDetailsDetailName = "eventItem/details/detail/name", Event, String;
    EvDetailsDetailValue = "eventItem/details/detail/value", Event, String;

    DnsLookupEvTimestamp = "eventItem/dnsLookupEvent/timestamp", DnsLookupEvent, Date, card;
    DnsLookupEvHostname = "eventItem/dnsLookupEvent/hostname", DnsLookupEvent, String, card;
    DnsLookupEvPid = "eventItem/dnsLookupEvent/pid", DnsLookupEvent, Int;
    DnsLookupEvProcess = "eventItem/dnsLookupEvent/process", DnsLookupEvent, String, card;
    DnsLookupEvProcessPath = "eventItem/dnsLookupEvent/processPath", DnsLookupEvent, String;
    DnsLookupEvUsername = "eventItem/dnsLookupEvent/username", DnsLookupEvent, String;

    ImageLoadEvTimestamp = "eventItem/imageLoadEvent/timestamp", ImageLoadEvent, Date, card;
    ImageLoadEvFullPath = "eventItem/imageLoadEvent/fullPath", ImageLoadEvent, String, card, linux;
    ImageLoadEvFilePath = "eventItem/imageLoadEvent/filePath", ImageLoadEvent, String, linux;
    ImageLoadEvDrive = "eventItem/imageLoadEvent/drive", ImageLoadEvent, String;
    ImageLoadEvFileName = "eventItem/imageLoadEvent/fileName", ImageLoadEvent, String, linux;
    ImageLoadEvFileExtension = "eventItem/imageLoadEvent/fileExtension", ImageLoadEvent, String, linux;
    ImageLoadEvDevicePath = "eventItem/imageLoadEvent/devicePath", ImageLoadEvent, String;
    ImageLoadEvPid = "eventItem/imageLoadEvent/pid", ImageLoadEvent, Int, card, linux;
    ImageLoadEvUsername = "eventItem/imageLoadEvent/username", ImageLoadEvent, String, linux;
    ImageLoadEvParentPid = "eventItem/imageLoadEvent/parentPid", ImageLoadEvent, Int, linux, approximate;
    ImageLoadEvProcess = "eventItem/imageLoadEvent/process", ImageLoadEvent, String, card, linux;
    ImageLoadEvProcessPath = "eventItem/imageLoadEvent/processPath", ImageLoadEvent, String, linux;

    ProcessEvTimestamp = "eventItem/processEvent/timestamp", ProcessEvent, Date, card;
    ProcessEvEventType = "eventItem/processEvent/eventType", ProcessEvent, String, many, linux, inferred;
    ProcessEvPid = "eventItem/processEvent/pid", ProcessEvent, Int, card, linux;
    ProcessEvProcessPath = "eventItem/processEvent/processPath", ProcessEvent, String, card, linux;
    ProcessEvProcess = "eventItem/processEvent/process", ProcessEvent, String, card, linux;
    ProcessEvParentPid = "eventItem/processEvent/parentPid", ProcessEvent, Int, linux, approximate;
    ProcessEvParentProcessPath = "eventItem/processEvent/parentProcessPath", ProcessEvent, String, linux, approximate;
    ProcessEvParentProcess = "eventItem/processEvent/parentProcess", ProcessEvent, String, linux, approximate;
    ProcessEvUsername = "eventItem/processEvent/username", ProcessEvent, String, linux;
    ProcessEvStartTime = "eventItem/processEvent/startTime", ProcessEvent, Date, linux;
    ProcessEvMd5 = "eventItem/processEvent/md5", ProcessEvent, Md5, linux, content;
    ProcessEvProcessCmdLine = "eventItem/processEvent/processCmdLine", ProcessEvent, String, card, linux;

    Ipv4NetworkEvTimestamp = "eventItem/ipv4NetworkEvent/timestamp", Ipv4NetworkEvent, Date, card;
    Ipv4NetworkEvRemoteIP = "eventItem/ipv4NetworkEvent/remoteIP", Ipv4NetworkEvent, Ip, card, linux;
    Ipv4NetworkEvRemotePort = "eventItem/ipv4NetworkEvent/remotePort", Ipv4NetworkEvent, Int, card, linux;
    Ipv4NetworkEvLocalIP = "eventItem/ipv4NetworkEvent/localIP", Ipv4NetworkEvent, Ip, linux;
    Ipv4NetworkEvLocalPort = "eventItem/ipv4NetworkEvent/localPort", Ipv4NetworkEvent, Int, card, linux;
    Ipv4NetworkEvProtocol = "eventItem/ipv4NetworkEvent/protocol", Ipv4NetworkEvent, String, linux;
    Ipv4NetworkEvPid = "eventItem/ipv4NetworkEvent/pid", Ipv4NetworkEvent, Int, card, linux;
    Ipv4NetworkEvProcess = "eventItem/ipv4NetworkEvent/process", Ipv4NetworkEvent, String, card, linux;
    Ipv4NetworkEvProcessPath = "eventItem/ipv4NetworkEvent/processPath", Ipv4NetworkEvent, String, linux;
    Ipv4NetworkEvUsername = "eventItem/ipv4NetworkEvent/username", Ipv4NetworkEvent, String, linux;

    FileWriteEvTimestamp = "eventItem/fileWriteEvent/timestamp", FileWriteEvent, Date, card;
    FileWriteEvFullPath = "eventItem/fileWriteEvent/fullPath", FileWriteEvent, String, card, linux;
    FileWriteEvFilePath = "eventItem/fileWriteEvent/filePath", FileWriteEvent, String, linux;
    FileWriteEvDrive = "eventItem/fileWriteEvent/drive", FileWriteEvent, String;
    FileWriteEvFileName = "eventItem/fileWriteEvent/fileName", FileWriteEvent, String, linux;
    FileWriteEvFileExtension = "eventItem/fileWriteEvent/fileExtension", FileWriteEvent, String, linux;
    FileWriteEvDevicePath = "eventItem/fileWriteEvent/devicePath", FileWriteEvent, String;
    FileWriteEvPid = "eventItem/fileWriteEvent/pid", FileWriteEvent, Int;
    FileWriteEvProcess = "eventItem/fileWriteEvent/process", FileWriteEvent, String;
    FileWriteEvProcessPath = "eventItem/fileWriteEvent/processPath", FileWriteEvent, String;
    FileWriteEvWrites = "eventItem/fileWriteEvent/writes", FileWriteEvent, Int;
    FileWriteEvDataAtLowestOffset = "eventItem/fileWriteEvent/dataAtLowestOffset", FileWriteEvent, String, linux, approximate, content;
    FileWriteEvTextAtLowestOffset = "eventItem/fileWriteEvent/textAtLowestOffset", FileWriteEvent, String, linux, approximate, content;
    FileWriteEvClosed = "eventItem/fileWriteEvent/closed", FileWriteEvent, Bool;
    FileWriteEvMd5 = "eventItem/fileWriteEvent/md5", FileWriteEvent, Md5, card, linux, content;
    FileWriteEvUsername = "eventItem/fileWriteEvent/username", FileWriteEvent, String;
    FileWriteEvParentProcessPath = "eventItem/fileWriteEvent/parentProcessPath", FileWriteEvent, String;
    FileWriteEvParentPid = "eventItem/fileWriteEvent/parentPid", FileWriteEvent, Int;
    FileWriteEvOpenTime = "eventItem/fileWriteEvent/openTime", FileWriteEvent, Date;
    FileWriteEvOpenDuration = "eventItem/fileWriteEvent/openDuration", FileWriteEvent, String;
    FileWriteEvEventReason = "eventItem/fileWriteEvent/eventReason", FileWriteEvent, String;

    UrlMonitorEvTimestamp = "eventItem/urlMonitorEvent/timestamp", UrlMonitorEvent, Date, card;
    UrlMonitorEvHostname = "eventItem/urlMonitorEvent/hostname", UrlMonitorEvent, String, card;
    UrlMonitorEvRequestUrl = "eventItem/urlMonitorEvent/requestUrl", UrlMonitorEvent, String, card;
    UrlMonitorEvUrlMethod = "eventItem/urlMonitorEvent/urlMethod", UrlMonitorEvent, String;
    UrlMonitorEvUserAgent = "eventItem/urlMonitorEvent/userAgent", UrlMonitorEvent, String;
    UrlMonitorEvHttpHeader = "eventItem/urlMonitorEvent/httpHeader", UrlMonitorEvent, String;
    UrlMonitorEvRemoteIpAddress = "eventItem/urlMonitorEvent/remoteIpAddress", UrlMonitorEvent, Ip;
    UrlMonitorEvRemotePort = "eventItem/urlMonitorEvent/remotePort", UrlMonitorEvent, Int;
    UrlMonitorEvLocalPort = "eventItem/urlMonitorEvent/localPort", UrlMonitorEvent, Int;
    UrlMonitorEvPid = "eventItem/urlMonitorEvent/pid", UrlMonitorEvent, Int;
    UrlMonitorEvProcess = "eventItem/urlMonitorEvent/process", UrlMonitorEvent, String, card;
    UrlMonitorEvProcessPath = "eventItem/urlMonitorEvent/processPath", UrlMonitorEvent, String;
    UrlMonitorEvUsername = "eventItem/urlMonitorEvent/username", UrlMonitorEvent, String;

    RegKeyEvTimestamp = "eventItem/regKeyEvent/timestamp", RegKeyEvent, Date, card;
    RegKeyEvHive = "eventItem/regKeyEvent/hive", RegKeyEvent, String;
    RegKeyEvKeyPath = "eventItem/regKeyEvent/keyPath", RegKeyEvent, String;
    RegKeyEvPath = "eventItem/regKeyEvent/path", RegKeyEvent, String, card;
    RegKeyEvOriginalPath = "eventItem/regKeyEvent/originalPath", RegKeyEvent, String;
    RegKeyEvEventType = "eventItem/regKeyEvent/eventType", RegKeyEvent, Int;
    RegKeyEvPid = "eventItem/regKeyEvent/pid", RegKeyEvent, Int;
    RegKeyEvProcess = "eventItem/regKeyEvent/process", RegKeyEvent, String, card;
    RegKeyEvProcessPath = "eventItem/regKeyEvent/processPath", RegKeyEvent, String;
    RegKeyEvValueName = "eventItem/regKeyEvent/valueName", RegKeyEvent, String, card;
    RegKeyEvValueType = "eventItem/regKeyEvent/valueType", RegKeyEvent, String;
    RegKeyEvValue = "eventItem/regKeyEvent/value", RegKeyEvent, String;
    RegKeyEvText = "eventItem/regKeyEvent/text", RegKeyEvent, String;
    RegKeyEvUsername = "eventItem/regKeyEvent/username", RegKeyEvent, String;

    AddressNotificationEvTimestamp = "eventItem/addressNotificationEvent/timestamp", AddressNotificationEvent, Date, card;
    AddressNotificationEvAddress = "eventItem/addressNotificationEvent/address", AddressNotificationEvent, Ip, card;

    // ProcessItem sub-lists: each term is one column of a list of elements (handles, memory
    // sections, ports); `handle`, `section` and `port` say which list, and conditions on one
    // list under an AND bind one element.
    ProcessHandleIndex = "ProcessItem/HandleList/Handle/Index", Process, Int, many, handle;
    ProcessHandleAccessMask = "ProcessItem/HandleList/Handle/AccessMask", Process, Int, many, handle;
    ProcessHandleObjectAddress = "ProcessItem/HandleList/Handle/ObjectAddress", Process, Int, many, handle;
    ProcessHandleHandleCount = "ProcessItem/HandleList/Handle/HandleCount", Process, Int, many, handle;
    ProcessHandlePointerCount = "ProcessItem/HandleList/Handle/PointerCount", Process, Int, many, handle;
    ProcessHandleType = "ProcessItem/HandleList/Handle/Type", Process, String, many, handle, linux;
    ProcessHandleName = "ProcessItem/HandleList/Handle/Name", Process, String, many, handle, linux;
    ProcessHandleFileDescriptor = "ProcessItem/HandleList/Handle/FileDescriptor", Process, Int, many, handle, linux;
    ProcessHandleUser = "ProcessItem/HandleList/Handle/User", Process, String, many, handle, linux;
    ProcessHandleDevice = "ProcessItem/HandleList/Handle/Device", Process, String, many, handle, linux;
    ProcessHandleSize = "ProcessItem/HandleList/Handle/Size", Process, Int, many, handle, linux;
    ProcessHandleINode = "ProcessItem/HandleList/Handle/INode", Process, Int, many, handle, linux;
    ProcessHandleSocketType = "ProcessItem/HandleList/Handle/SocketType", Process, String, many, handle, linux;
    ProcessHandleSocketProtocol = "ProcessItem/HandleList/Handle/SocketProtocol", Process, String, many, handle, linux;
    ProcessHandleSocketState = "ProcessItem/HandleList/Handle/SocketState", Process, String, many, handle, linux;
    ProcessHandleSocketLocalAddress = "ProcessItem/HandleList/Handle/SocketLocalAddress", Process, Ip, many, handle, linux;
    ProcessHandleSocketLocalPort = "ProcessItem/HandleList/Handle/SocketLocalPort", Process, Int, many, handle, linux;
    ProcessHandleSocketRemoteAddress = "ProcessItem/HandleList/Handle/SocketRemoteAddress", Process, Ip, many, handle, linux;
    ProcessHandleSocketRemotePort = "ProcessItem/HandleList/Handle/SocketRemotePort", Process, Int, many, handle, linux;
    ProcessHandleMd5sum = "ProcessItem/HandleList/Handle/Md5sum", Process, Md5, many, handle, linux, content;
    ProcessHandleSha1sum = "ProcessItem/HandleList/Handle/Sha1sum", Process, Sha1, many, handle, linux, content;
    ProcessHandleSha256sum = "ProcessItem/HandleList/Handle/Sha256sum", Process, Sha256, many, handle, linux, content;
    ProcessSectionProtection = "ProcessItem/SectionList/MemorySection/Protection", Process, String, many, section, linux;
    ProcessSectionRegionStart = "ProcessItem/SectionList/MemorySection/RegionStart", Process, Int, many, section, linux;
    ProcessSectionMapped = "ProcessItem/SectionList/MemorySection/Mapped", Process, Bool, many, section, linux;
    ProcessSectionName = "ProcessItem/SectionList/MemorySection/Name", Process, String, many, section, linux;
    ProcessSectionInjected = "ProcessItem/SectionList/MemorySection/Injected", Process, Bool, many, section, linux, approximate;
    ProcessSectionPEInfoType = "ProcessItem/SectionList/MemorySection/PEInfo/Type", Process, String, many, section;
    ProcessSectionPEInfoSubsystem = "ProcessItem/SectionList/MemorySection/PEInfo/Subsystem", Process, String, many, section;
    ProcessSectionPEInfoBaseAddress = "ProcessItem/SectionList/MemorySection/PEInfo/BaseAddress", Process, Int, many, section;
    ProcessSectionPEInfoPETimeStamp = "ProcessItem/SectionList/MemorySection/PEInfo/PETimeStamp", Process, Date, many, section;
    ProcessSectionPEInfoPEChecksumPEFileRaw = "ProcessItem/SectionList/MemorySection/PEInfo/PEChecksum/PEFileRaw", Process, Int, many, section;
    ProcessSectionPEInfoPEChecksumPEFileAPI = "ProcessItem/SectionList/MemorySection/PEInfo/PEChecksum/PEFileAPI", Process, Int, many, section;
    ProcessSectionPEInfoPEChecksumPEComputedAPI = "ProcessItem/SectionList/MemorySection/PEInfo/PEChecksum/PEComputedAPI", Process, Int, many, section;
    ProcessSectionPEInfoExtraneousBytes = "ProcessItem/SectionList/MemorySection/PEInfo/ExtraneousBytes", Process, Int, many, section;
    ProcessSectionPEInfoSectionsSectionName = "ProcessItem/SectionList/MemorySection/PEInfo/Sections/Section/Name", Process, String, many, section;
    ProcessSectionPEInfoSectionsSectionType = "ProcessItem/SectionList/MemorySection/PEInfo/Sections/Section/Type", Process, String, many, section;
    ProcessSectionPEInfoEpJumpCodesDepth = "ProcessItem/SectionList/MemorySection/PEInfo/EpJumpCodes/Depth", Process, Int, many, section;
    ProcessSectionPEInfoEpJumpCodesOpcodes = "ProcessItem/SectionList/MemorySection/PEInfo/EpJumpCodes/Opcodes", Process, String, many, section;
    ProcessSectionPEInfoDetectedAnomaliesString = "ProcessItem/SectionList/MemorySection/PEInfo/DetectedAnomalies/string", Process, String, many, section;
    ProcessSectionPEInfoDetectedEntryPointSignatureName = "ProcessItem/SectionList/MemorySection/PEInfo/DetectedEntryPointSignature/Name", Process, String, many, section;
    ProcessSectionPEInfoDetectedEntryPointSignatureType = "ProcessItem/SectionList/MemorySection/PEInfo/DetectedEntryPointSignature/Type", Process, String, many, section;
    ProcessSectionPEInfoSectionsSectionDetectedCharacteristics = "ProcessItem/SectionList/MemorySection/PEInfo/Sections/Section/DetectedCharacteristics", Process, String, many, section;
    ProcessSectionPEInfoSectionsSectionDetectedSignatureKeysString = "ProcessItem/SectionList/MemorySection/PEInfo/Sections/Section/DetectedSignatureKeys/string", Process, String, many, section;
    ProcessSectionRawFlags = "ProcessItem/SectionList/MemorySection/RawFlags", Process, Int, many, section;
    ProcessPortListPid = "ProcessItem/PortList/PortItem/pid", Process, Int, many, port, linux;
    ProcessPortListState = "ProcessItem/PortList/PortItem/state", Process, String, many, port, linux;
    ProcessPortListCreationTime = "ProcessItem/PortList/PortItem/CreationTime", Process, Date, many, port;
    ProcessPortListLocalIP = "ProcessItem/PortList/PortItem/localIP", Process, Ip, many, port, linux;
    ProcessPortListRemoteIP = "ProcessItem/PortList/PortItem/remoteIP", Process, Ip, many, port, linux;
    ProcessPortListLocalPort = "ProcessItem/PortList/PortItem/localPort", Process, Int, many, port, linux;
    ProcessPortListRemotePort = "ProcessItem/PortList/PortItem/remotePort", Process, Int, many, port, linux;
    ProcessPortListProtocol = "ProcessItem/PortList/PortItem/protocol", Process, String, many, port, linux;
    ProcessSectionPEInfoImportedModulesModuleName = "ProcessItem/SectionList/MemorySection/PEInfo/ImportedModules/Module/Name", Process, String, many, section;
    ProcessSectionPEInfoImportedModulesModuleNumberOfFunctions = "ProcessItem/SectionList/MemorySection/PEInfo/ImportedModules/Module/NumberOfFunctions", Process, Int, many, section;
    ProcessSectionPEInfoImportedModulesModuleImportedFunctionsString = "ProcessItem/SectionList/MemorySection/PEInfo/ImportedModules/Module/ImportedFunctions/string", Process, String, many, section;
    ProcessSectionPEInfoExportsExportsTimeStamp = "ProcessItem/SectionList/MemorySection/PEInfo/Exports/ExportsTimeStamp", Process, Date, many, section;
    ProcessSectionPEInfoExportsNumberOfFunctions = "ProcessItem/SectionList/MemorySection/PEInfo/Exports/NumberOfFunctions", Process, Int, many, section;
    ProcessSectionPEInfoExportsNumberOfNames = "ProcessItem/SectionList/MemorySection/PEInfo/Exports/NumberOfNames", Process, Int, many, section;
    ProcessSectionPEInfoExportsDllName = "ProcessItem/SectionList/MemorySection/PEInfo/Exports/DllName", Process, String, many, section;
    ProcessSectionPEInfoExportsExportedFunctionsString = "ProcessItem/SectionList/MemorySection/PEInfo/Exports/ExportedFunctions/string", Process, String, many, section;
    ProcessSectionMd5sum = "ProcessItem/SectionList/MemorySection/Md5sum", Process, Md5, many, section;
    ProcessSectionMemD5 = "ProcessItem/SectionList/MemorySection/MemD5", Process, Md5, many, section;
    ProcessSectionSha1sum = "ProcessItem/SectionList/MemorySection/Sha1sum", Process, Sha1, many, section;
    ProcessSectionSha256sum = "ProcessItem/SectionList/MemorySection/Sha256sum", Process, Sha256, many, section;
    ProcessSectionDigitalSignatureSignatureExists = "ProcessItem/SectionList/MemorySection/DigitalSignature/SignatureExists", Process, Bool, many, section;
    ProcessSectionDigitalSignatureSignatureVerified = "ProcessItem/SectionList/MemorySection/DigitalSignature/SignatureVerified", Process, Bool, many, section;
    ProcessSectionDigitalSignatureDescription = "ProcessItem/SectionList/MemorySection/DigitalSignature/Description", Process, String, many, section;
    ProcessSectionDigitalSignatureCertificateIssuer = "ProcessItem/SectionList/MemorySection/DigitalSignature/CertificateIssuer", Process, String, many, section;
    ProcessSectionDigitalSignatureCertificateSubject = "ProcessItem/SectionList/MemorySection/DigitalSignature/CertificateSubject", Process, String, many, section;
    ProcessSectionPEInfoDigitalSignatureSignatureExists = "ProcessItem/SectionList/MemorySection/PEInfo/DigitalSignature/SignatureExists", Process, Bool, many, section;
    ProcessSectionPEInfoDigitalSignatureSignatureVerified = "ProcessItem/SectionList/MemorySection/PEInfo/DigitalSignature/SignatureVerified", Process, Bool, many, section;
    ProcessSectionPEInfoDigitalSignatureDescription = "ProcessItem/SectionList/MemorySection/PEInfo/DigitalSignature/Description", Process, String, many, section;
    ProcessSectionPEInfoDigitalSignatureCertificateIssuer = "ProcessItem/SectionList/MemorySection/PEInfo/DigitalSignature/CertificateIssuer", Process, String, many, section;
    ProcessSectionPEInfoDigitalSignatureCertificateSubject = "ProcessItem/SectionList/MemorySection/PEInfo/DigitalSignature/CertificateSubject", Process, String, many, section;
    ProcessPortListPath = "ProcessItem/PortList/PortItem/path", Process, String, many, port, linux;
    ProcessPortListProcess = "ProcessItem/PortList/PortItem/process", Process, String, many, port, linux;
    ProcessSectionPEInfoSectionsSectionEntropyCurveDataFloat = "ProcessItem/SectionList/MemorySection/PEInfo/Sections/Section/Entropy/CurveData/float", Process, String, many, section;

    // ProcessItem terms outside the catalogue that real IOCs use (Volatility's openioc_scan):
    // the first bytes of an injected region (needs memory reads: not on a live scan yet), the
    // paths of the files a process maps executable, and its current parent's name.
    ProcessSectionInjectedHexPattern = "ProcessItem/SectionList/MemorySection/InjectedHexPattern", Process, String, many, section;
    ProcessDllPath = "ProcessItem/DllPath", Process, String, many, linux;
    ProcessParentProcessName = "ProcessItem/ParentProcessName", Process, String, linux, approximate;
}
