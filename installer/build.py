"""Build the visitdesk bundle (PyInstaller) and, on Windows, the installer (Inno Setup).

    python installer/build.py                      # bundle into dist/, installer into dist/installer
    python installer/build.py --no-installer       # bundle only
    python installer/build.py --sign "signtool sign /fd SHA256 /tr http://ts.example /td SHA256 /sha1 THUMBPRINT"

Runs on Windows and Linux (Linux builds the bundle only: it is what CI runs to prove the
bundle is complete). The version comes from ``visitdesk.__version__`` and nowhere else.
Exit code 0 on success; the last lines printed say where the output is.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from versioninfo import app_version, version_tuple, write_version_resource  # noqa: E402

IS_WINDOWS = sys.platform == "win32"
ISCC_CANDIDATES = (
    r"%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe",
    r"%ProgramFiles%\Inno Setup 6\ISCC.exe",
    r"%LOCALAPPDATA%\Programs\Inno Setup 6\ISCC.exe",
)


def find_iscc(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for candidate in ISCC_CANDIDATES:
        path = Path(os.path.expandvars(candidate))
        if path.is_file():
            return str(path)
    return None


def split_command(command: str) -> list[str]:
    return shlex.split(command, posix=not IS_WINDOWS)


def run(cmd: list[str], **kwargs) -> None:
    print("+ " + subprocess.list2cmdline(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def build_bundle(dist: Path, work: Path, clean: bool) -> Path:
    version = app_version(ROOT)
    version_file = write_version_resource(work / "version_info.txt", version)
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work),
    ]
    if clean:
        cmd.append("--clean")
    cmd.append(str(HERE / "visitdesk.spec"))
    env = dict(os.environ, VISITDESK_VERSION_FILE=str(version_file))
    run(cmd, cwd=ROOT, env=env)
    bundle = dist / "visitdesk"
    if not (bundle / ("visitdesk-cli.exe" if IS_WINDOWS else "visitdesk-cli")).is_file():
        raise SystemExit(f"PyInstaller finished but {bundle} has no visitdesk-cli executable")
    return bundle


def sign_files(sign_command: str, files: list[Path]) -> None:
    for path in files:
        run([*split_command(sign_command), str(path)])


def build_installer(iscc: str, bundle: Path, output: Path, sign_command: str | None) -> Path:
    version = app_version(ROOT)
    output.mkdir(parents=True, exist_ok=True)
    cmd = [
        iscc, "/Qp",
        f"/DAppVersion={version}",
        "/DAppVersionNumeric=" + ".".join(str(n) for n in version_tuple(version)),
        f"/DDistDir={bundle}",
        f"/O{output}",
    ]
    if sign_command:
        # Inno Setup signs the installer and the uninstaller it embeds with this tool;
        # $f is replaced by the file to sign (the quotes are part of Inno's syntax).
        cmd += ["/DSign=1", f"/Svisitdesksign={sign_command} $f"]
    cmd.append(str(HERE / "visitdesk.iss"))
    run(cmd, cwd=HERE)
    setup = output / f"visitdesk-{version}-setup.exe"
    if not setup.is_file():
        raise SystemExit(f"Inno Setup finished but {setup} is missing")
    return setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="output folder for the bundle (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default: build/pyinstaller)")
    parser.add_argument("--no-clean", action="store_true",
                        help="reuse PyInstaller's cache from an earlier build")
    parser.add_argument("--no-installer", action="store_true",
                        help="build the bundle only, even on Windows")
    parser.add_argument("--iscc", help="path of ISCC.exe (default: found on PATH or in the "
                        "usual Inno Setup 6 folders)")
    parser.add_argument("--sign", metavar="COMMAND",
                        help="code-signing command without the file name, e.g. 'signtool sign "
                        "/fd SHA256 /tr http://timestamp.example /td SHA256 /sha1 THUMBPRINT'; "
                        "signs both executables, the installer and the uninstaller")
    args = parser.parse_args(argv)

    started = time.monotonic()
    version = app_version(ROOT)
    print(f"visitdesk {version}: building the bundle with Python {sys.version.split()[0]}",
          flush=True)
    bundle = build_bundle(args.dist.resolve(), args.work.resolve(), clean=not args.no_clean)
    if args.sign:
        exes = [bundle / "visitdesk.exe", bundle / "visitdesk-cli.exe"]
        sign_files(args.sign, [p for p in exes if p.is_file()])
    print(f"bundle:    {bundle}")
    print(f"  window:  {bundle / ('visitdesk.exe' if IS_WINDOWS else 'visitdesk')}")
    print(f"  console: {bundle / ('visitdesk-cli.exe' if IS_WINDOWS else 'visitdesk-cli')}")

    if IS_WINDOWS and not args.no_installer:
        iscc = find_iscc(args.iscc)
        if iscc is None:
            print("installer: skipped, Inno Setup 6 (ISCC.exe) not found; install it or pass "
                  "--iscc PATH", file=sys.stderr)
        else:
            setup = build_installer(iscc, bundle, args.dist.resolve() / "installer", args.sign)
            print(f"installer: {setup}")
    elif not IS_WINDOWS:
        print("installer: not built (Inno Setup runs on Windows only)")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
