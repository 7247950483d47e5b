; Inno Setup script for the Canvas Logins Windows installer.
;
; Installs the one-folder bundle from packaging/build.py for the current user only
; (no administrator rights), adds a Start-menu shortcut and an uninstaller. The fixed
; AppId makes a newer installer upgrade the existing install in place. Settings, saved
; profiles and the journal live in the user's own folders (%LOCALAPPDATA%\canvas-logins),
; never in the program folder, so upgrades and uninstalls leave them alone.
;
; Build (from the repository root, after `python packaging/build.py`):
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\canvas-logins.iss
; Optional: /DSourceDir=<bundle folder> /DOutputDir=<folder for the setup .exe>
; AppVersion must be given: build.py --print-version prints it from pyproject.toml.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=x.y.z canvas-logins.iss
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\canvas-logins"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "Canvas Logins"
#define AppExe "Canvas Logins.exe"
#define AppPublisher "Canvas Logins developers"

[Setup]
; Never change this GUID: it is how Windows knows a new version replaces the old one.
AppId={{8E4F2C1A-5B7D-4E2F-9C3A-6D1B0F7E2A45}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoProductName={#AppName}
VersionInfoProductTextVersion={#AppVersion}
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
UsePreviousAppDir=yes
DisableDirPage=yes
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=CanvasLogins-{#AppVersion}-windows-setup
SetupIconFile=..\..\resources\icon.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Ask a running copy to close before files are replaced.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade starts from a clean program folder, so no file of the old version lingers.
; Only the bundle's own files are here; user data is elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete]: the user's settings, profiles and journal are kept on purpose.
