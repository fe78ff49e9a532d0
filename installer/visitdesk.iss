; visitdesk installer: Inno Setup 6.3 or later (Inno Setup 7 also compiles it).
;
; Built by installer/build.py, which passes the version read from visitdesk.__version__:
;   iscc /DAppVersion=0.1.0 /DDistDir=C:\src\visitdesk\dist\visitdesk /OC:\out visitdesk.iss
; Optional: /DSign=1 /Svisitdesksign="signtool sign /fd SHA256 /tr URL /td SHA256 /sha1 THUMB $f"
;
; Per-user install without administrator rights by default (%LOCALAPPDATA%\Programs\visitdesk);
; the privileges dialog offers an all-users install to administrators. The officer's case store,
; settings and certificate live in %LOCALAPPDATA%\visitdesk: neither upgrades nor the
; uninstaller touch it unless the user says so (or IT passes /REMOVEDATA to the uninstaller).
;
; This file is UTF-8 with a byte-order mark: Inno Setup needs the BOM to read the Chinese text.

#ifndef DistDir
  #define DistDir AddBackslash(SourcePath) + "..\dist\visitdesk"
#endif
#if !FileExists(AddBackslash(DistDir) + "visitdesk.exe")
  #error The bundle is missing: build it first (python installer\build.py) or pass /DDistDir=...
#endif
#ifndef AppVersion
  ; Fallback when ISCC is run by hand: the version stamped into the bundled executable.
  #define AppVersion GetStringFileInfo(AddBackslash(DistDir) + "visitdesk.exe", "ProductVersion")
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric GetVersionNumbersString(AddBackslash(DistDir) + "visitdesk.exe")
#endif
#ifndef Publisher
  #define Publisher "visitdesk"
#endif

; Simplified Chinese messages are an unofficial Inno Setup 6 translation (Inno Setup 7 ships
; it). Put ChineseSimplified.isl beside this script or into Inno Setup's Languages folder;
; see installer/README.md for where to get it.
#if FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ChineseMessages AddBackslash(SourcePath) + "ChineseSimplified.isl"
#elif FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ChineseMessages "compiler:Languages\ChineseSimplified.isl"
#else
  #error ChineseSimplified.isl not found beside visitdesk.iss nor in Inno Setup's Languages folder (see installer\README.md)
#endif

[Setup]
; AppId never changes: it is what makes a new version upgrade the installed one in place.
AppId={{57903736-B498-4B02-BDC9-64716FD045F3}
AppName=visitdesk
AppVersion={#AppVersion}
AppVerName=visitdesk {#AppVersion}
AppPublisher={#Publisher}
AppCopyright=© visitdesk authors
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductName=visitdesk
VersionInfoProductTextVersion={#AppVersion}
VersionInfoDescription=visitdesk setup
DefaultDirName={autopf}\visitdesk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
UsePreviousPrivileges=yes
UsePreviousAppDir=yes
UsePreviousTasks=yes
UsePreviousLanguage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or later.
MinVersion=10.0.17763
OutputDir=..\dist\installer
OutputBaseFilename=visitdesk-{#AppVersion}-setup
SetupIconFile=visitdesk.ico
UninstallDisplayIcon={app}\visitdesk.exe
UninstallDisplayName=visitdesk
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
CloseApplications=yes
RestartApplications=no
ChangesAssociations=yes
ShowLanguageDialog=auto
LanguageDetectionMethod=uilanguage
SetupLogging=yes
#ifdef Sign
SignTool=visitdesksign
SignedUninstaller=yes
#endif

[Languages]
Name: "chinesesimplified"; MessagesFile: "{#ChineseMessages}"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
chinesesimplified.FileTypesGroup=文件类型：
english.FileTypesGroup=File types:
chinesesimplified.OpenWithTask=在 .xlsx 工作簿的“打开方式”菜单中加入 visitdesk（不更改默认程序）
english.OpenWithTask=Offer visitdesk under “Open with” for .xlsx workbooks (the default program stays as it is)
chinesesimplified.XlsxTypeName=Excel 工作簿（用 visitdesk 导入）
english.XlsxTypeName=Excel workbook (import into visitdesk)
chinesesimplified.AppComment=准备、执行和记录上门催收走访
english.AppComment=Prepare, carry out and record on-site collection visits
chinesesimplified.RemoveDataQuestion=是否同时删除您的案件数据、设置和签名证书？%n%n位置：%1%n%n选择“否”将保留这些数据，重新安装 visitdesk 后可继续使用。删除后无法恢复。
english.RemoveDataQuestion=Also delete your case store, settings and signing certificate?%n%nFolder: %1%n%nChoose No to keep them: a later installation of visitdesk picks them up again. Deleting cannot be undone.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "openwith"; Description: "{cm:OpenWithTask}"; GroupDescription: "{cm:FileTypesGroup}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the libraries wholesale so that nothing from the old version lingers.
; This is the program folder only; the data folder is elsewhere and never touched.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\visitdesk"; Filename: "{app}\visitdesk.exe"; WorkingDir: "{app}"; Comment: "{cm:AppComment}"
Name: "{autodesktop}\visitdesk"; Filename: "{app}\visitdesk.exe"; WorkingDir: "{app}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Registry]
; "Open with" for .xlsx, offered as an unchecked task. OpenWithProgids adds visitdesk to the
; list without taking over the default program. HKA is HKCU for a per-user install and HKLM
; for an all-users one.
Root: HKA; Subkey: "Software\Classes\.xlsx\OpenWithProgids"; ValueType: string; ValueName: "visitdesk.xlsx"; ValueData: ""; Flags: uninsdeletevalue; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\visitdesk.xlsx"; ValueType: string; ValueName: ""; ValueData: "{cm:XlsxTypeName}"; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\visitdesk.xlsx\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\visitdesk.exe,0"; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\visitdesk.xlsx\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\visitdesk.exe"" --open ""%1"""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\visitdesk.exe"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "visitdesk"; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\visitdesk.exe\SupportedTypes"; ValueType: string; ValueName: ".xlsx"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\visitdesk.exe\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\visitdesk.exe"" --open ""%1"""; Tasks: openwith

[Run]
Filename: "{app}\visitdesk.exe"; Description: "{cm:LaunchProgram,visitdesk}"; Flags: nowait postinstall skipifsilent

[Code]
// The officer's data folder: platformdirs' user_data_dir("visitdesk", appauthor=False,
// roaming=False), as visitdesk/paths.py computes it. The demo store sits beside it.
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\visitdesk');
end;

function DemoDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\visitdesk-demo');
end;

function CommandLineHas(const Name: String): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), Name) = 0 then
    begin
      Result := True;
      Exit;
    end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  RemoveData: Boolean;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  // Demo data is generated from the bundled workbook; it goes with the program.
  if DirExists(DemoDataDir()) then
    DelTree(DemoDataDir(), True, True, True);
  if not DirExists(DataDir()) then
    Exit;
  // Keep the case store and certificate unless asked: /REMOVEDATA on the command line (IT),
  // or "Yes" to the question (default button: No). A silent uninstall keeps them.
  if CommandLineHas('/REMOVEDATA') then
    RemoveData := True
  else if UninstallSilent() then
    RemoveData := False
  else
    RemoveData := SuppressibleMsgBox(FmtMessage(CustomMessage('RemoveDataQuestion'), [DataDir()]),
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES;
  if RemoveData then
    DelTree(DataDir(), True, True, True);
end;
