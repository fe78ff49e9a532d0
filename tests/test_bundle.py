"""The PyInstaller bundle carries everything the app needs (issue 6).

The slow tests build the one-folder bundle with ``installer/build.py`` (cached in the temp
folder, keyed by a hash of the sources, resources and installer files, so an unchanged tree
is built once) and run the *bundled* program headless, with a scrubbed environment, from an
unrelated working directory: nothing can come from the source tree or the build's Python.
A resource left out of the bundle fails ``test_bundle_contains_every_resource_file`` and the
run that needs it. The fast tests check the installer script and the version resource.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # Windows: no concurrent-run lock needed for a local build
    fcntl = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"

def _load_versioninfo():
    """installer/versioninfo.py, loaded under a private name (installer/ is no package)."""
    spec = importlib.util.spec_from_file_location("_visitdesk_installer_versioninfo",
                                                  INSTALLER / "versioninfo.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_versioninfo = _load_versioninfo()
app_version = _versioninfo.app_version
version_resource_text = _versioninfo.version_resource_text
version_tuple = _versioninfo.version_tuple

CACHE_ROOT = Path(os.environ.get("VISITDESK_BUNDLE_CACHE") or Path(tempfile.gettempdir())
                  / f"visitdesk-bundle-{getattr(os, 'getuid', lambda: 'user')()}")
KEEP_BUILDS = 2
BUILD_TIMEOUT = 900
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""

# Inputs of the bundle: a change to any of them means a new build.
BUNDLE_INPUTS = (
    ("visitdesk", "*.py"),
    ("resources", "*"),
    ("installer", "visitdesk.spec"),
    ("installer", "launch.py"),
    ("installer", "versioninfo.py"),
    ("installer", "build.py"),
)


# --- building (cached) ---------------------------------------------------------------------

def _bundle_digest() -> str:
    h = hashlib.sha256()
    h.update(sys.executable.encode())
    h.update(sys.version.encode())
    import PyInstaller

    h.update(PyInstaller.__version__.encode())
    for folder, pattern in BUNDLE_INPUTS:
        base = ROOT / folder
        for path in sorted(base.rglob(pattern)):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:20]


def _prune_old_builds(keep: Path) -> None:
    builds = sorted((p for p in CACHE_ROOT.iterdir() if p.is_dir() and p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[KEEP_BUILDS - 1:]:
        shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The bundle folder (``visitdesk``, ``visitdesk-cli``, ``_internal/``), built once."""
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    target = CACHE_ROOT / _bundle_digest()
    folder = target / "dist" / "visitdesk"
    with open(CACHE_ROOT / "build.lock", "w") as lock:
        if fcntl is not None:  # concurrent test runs build once, one after another
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "complete").is_file():
            shutil.rmtree(target, ignore_errors=True)
            staging = CACHE_ROOT / f"{target.name}.tmp{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, str(INSTALLER / "build.py"), "--no-installer", "--no-clean",
                 "--dist", str(staging / "dist"), "--work", str(staging / "work")],
                cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
            )
            if proc.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                pytest.fail("installer/build.py failed:\n" + proc.stdout[-3000:]
                            + proc.stderr[-6000:])
            shutil.rmtree(staging / "work", ignore_errors=True)
            (staging / "build-seconds.txt").write_text(f"{time.monotonic() - started:.1f}\n")
            (staging / "build.log").write_text(proc.stdout + proc.stderr)
            staging.rename(target)
            (target / "complete").write_text("ok\n")
        os.utime(target)
        _prune_old_builds(target)
    return folder


def _clean_env(home: Path) -> dict[str, str]:
    """A bare environment: no PYTHONPATH, no VISITDESK_* variables, headless Qt."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "share"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }


class Bundled:
    """Runs the bundled console program against one data folder."""

    def __init__(self, folder: Path, work: Path) -> None:
        self.folder = folder
        self.cli = folder / f"visitdesk-cli{EXE_SUFFIX}"
        self.window = folder / f"visitdesk{EXE_SUFFIX}"
        self.work = work
        self.data_dir = work / "data"
        home = work / "home"
        (home / "run").mkdir(parents=True, exist_ok=True)
        os.chmod(home / "run", 0o700)
        self.env = _clean_env(home)

    def run(self, *args: str, expect: int | None = 0, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.cli), "--data-dir", str(self.data_dir), *args]
        proc = subprocess.run(cmd, cwd=self.work, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if expect is not None and proc.returncode != expect:
            pytest.fail(f"{' '.join(args)}: exit {proc.returncode}, expected {expect}\n"
                        f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}")
        return proc

    def json(self, *args: str, expect: int | None = 0) -> object:
        proc = self.run(*args, expect=expect)
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"{' '.join(args)} printed no JSON:\n{proc.stdout[-2000:]}"
                        f"\n{proc.stderr[-2000:]}")

    def has_command(self, *words: str) -> bool:
        proc = subprocess.run([str(self.cli), *words, "--help"], cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=60)
        return proc.returncode == 0


@pytest.fixture
def bundled(bundle, tmp_path) -> Bundled:
    return Bundled(bundle, tmp_path)


def _pdf_text(pdf: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed; dev.sh installs it"
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _pdf_fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout


def _source_has_module(dotted: str) -> bool:
    return (ROOT / Path(*dotted.split("."))).with_suffix(".py").is_file()


def _require_command(bundled: Bundled, module: str, *words: str) -> None:
    """The command (issues 2-5 contract) must run in the bundle: its module must be bundled."""
    assert _source_has_module(module), f"{module} is missing from the source tree"
    assert bundled.has_command(*words), (
        f"`visitdesk {' '.join(words)}` is missing from the bundle although {module} exists: "
        "a module left out of the bundle?")


DEMO_WORKBOOK = ("samples", "demo_accounts.xlsx")


# --- the bundle itself ---------------------------------------------------------------------

@pytest.mark.slow
def test_bundle_contains_every_resource_file(bundle):
    def tree(base: Path) -> dict[str, str]:
        return {str(p.relative_to(base)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(base.rglob("*")) if p.is_file()}

    source = tree(ROOT / "resources")
    bundled = tree(bundle / "_internal" / "resources")
    assert source, "resources/ is empty?"
    missing = sorted(set(source) - set(bundled))
    changed = sorted(k for k in set(source) & set(bundled) if source[k] != bundled[k])
    assert not missing, f"resources left out of the bundle: {missing}"
    assert not changed, f"resources differing in the bundle: {changed}"
    assert "fonts/wqy-microhei.ttc" in bundled


@pytest.mark.slow
def test_bundle_has_two_programs_sharing_one_library_folder(bundle):
    for name in ("visitdesk", "visitdesk-cli"):
        exe = bundle / f"{name}{EXE_SUFFIX}"
        assert exe.is_file() and os.access(exe, os.X_OK), exe
    internal = bundle / "_internal"
    assert len(list(internal.glob("libpython3*"))) == 1
    assert (internal / "PySide6" / "Qt" / "lib").is_dir() or (internal / "PySide6").is_dir()


def test_bundle_carries_the_pdf_page_renderer(bundle):
    # the preview and printing draw pages with PDFium; without it a Windows office has no preview
    internal = bundle / "_internal"
    assert list(internal.rglob("*pdfium*.so")) + list(internal.rglob("*pdfium*.dll")), (
        "PDFium library missing from the bundle")


def _qt_modules_imported_by_the_app() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "visitdesk").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("PySide6.Qt"):
                    found.add(node.module.split(".")[1])
                elif node.module == "PySide6":
                    found.update(a.name for a in node.names if a.name.startswith("Qt"))
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[1] for a in node.names
                             if a.name.startswith("PySide6.Qt"))
    return found


def _spec_unused_qt() -> list[str]:
    tree = ast.parse((INSTALLER / "visitdesk.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "UNUSED_QT" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("UNUSED_QT not found in installer/visitdesk.spec")


def test_spec_excludes_no_qt_module_the_app_imports():
    excluded = set(_spec_unused_qt())
    used = _qt_modules_imported_by_the_app()
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    assert not (used & excluded), f"the spec excludes Qt modules the app imports: {used & excluded}"
    assert not {"QtPrintSupport", "QtSvg", "QtSvgWidgets"} & excluded


@pytest.mark.slow
def test_bundle_carries_the_qt_modules_the_app_imports_and_no_unused_ones(bundle):
    pyside = bundle / "_internal" / "PySide6"
    present = {p.name.split(".")[0] for p in pyside.glob("Qt*.*") if p.suffix in (".so", ".pyd")}
    missing = _qt_modules_imported_by_the_app() - present
    assert not missing, f"Qt modules imported by visitdesk but not bundled: {missing}"
    assert {"QtPrintSupport", "QtSvg"} <= present, "printing and SVG must be in the bundle"
    unwanted = present & set(_spec_unused_qt())
    assert not unwanted, f"unused Qt modules in the bundle: {unwanted}"
    libs = " ".join(p.name for p in pyside.rglob("*Qt6*"))
    for heavy in ("WebEngine", "Quick", "Qml", "3D", "Multimedia"):
        assert heavy not in libs, f"Qt {heavy} libraries in the bundle"


# --- running the bundled program ------------------------------------------------------------

@pytest.mark.slow
def test_bundled_programs_report_the_package_version(bundled):
    expected = f"visitdesk {app_version(ROOT)}"
    from visitdesk import __version__

    assert app_version(ROOT) == __version__
    assert bundled.run("--version").stdout.strip() == expected
    proc = subprocess.run([str(bundled.window), "--version"], cwd=bundled.work,
                          env=bundled.env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and expected in proc.stdout + proc.stderr


@pytest.mark.slow
def test_bundled_window_starts_on_the_demo_store_with_bundled_font_and_translations(bundled):
    """The windowed program runs (offscreen) on ``--demo``: it fills the store from the bundled
    workbook and logs no error and no fallback to the machine's fonts or Qt files."""
    from visitdesk.adapters.store import STORE_FILE

    log = bundled.data_dir / "visitdesk.log"
    proc = subprocess.Popen([str(bundled.window), "--demo", "--data-dir", str(bundled.data_dir),
                             "--lang", "zh_CN"], cwd=bundled.work, env=bundled.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (bundled.data_dir / STORE_FILE).exists():
                break
            time.sleep(0.2)
        time.sleep(5)  # the demo import and the first paint happen in this time
        code = proc.poll()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert code is None, f"the window exited with {code}:\n{out[-2000:]}\n{err[-3000:]}"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    problems = [line for line in text.splitlines()
                if re.search(r" (WARNING|ERROR|CRITICAL) ", line) or "Traceback" in line]
    assert not problems, "the window logged problems:\n" + "\n".join(problems[:20])
    assert "demo store filled" in text, f"no demo import in the log:\n{text[-2000:]}"


def _import_demo(bundled: Bundled) -> list[dict]:
    """Import the bundled demo workbook; return the stored accounts (``accounts --json``)."""
    _require_command(bundled, "visitdesk.cli.accounts", "import")
    workbook = bundled.folder / "_internal" / "resources" / Path(*DEMO_WORKBOOK)
    assert workbook.is_file(), f"demo workbook missing from the bundle: {workbook}"
    report = bundled.json("import", str(workbook), "--json")
    assert isinstance(report, dict)
    assert report["status"] in ("imported", "partial"), report.get("error")
    assert report["imported"] > 0, report
    accounts = bundled.json("accounts", "--json")
    assert isinstance(accounts, list) and len(accounts) == report["imported"] + report["updated"]
    return accounts


@pytest.mark.slow
def test_bundled_cli_imports_the_demo_workbook(bundled):
    accounts = _import_demo(bundled)
    first = accounts[0]
    assert first["name"] and first["account_no"]
    assert re.fullmatch(r"\d+\.\d{2}", first["principal"])
    # the plans area works on the imported account too
    _require_command(bundled, "visitdesk.cli.plans", "options")
    options = bundled.json("options", first["account_no"], "--json")
    assert options["account_no"] == first["account_no"], options  # type: ignore[index]
    assert options["options"], options  # type: ignore[index]


BRIEFING_LABELS = ("访前准备单", "客户姓名", "证件号码", "本金", "合计", "人民币")


@pytest.mark.slow
def test_bundled_briefing_pdf_has_the_customer_and_chinese_labels(bundled):
    _require_command(bundled, "visitdesk.cli.documents", "briefing")
    account = _import_demo(bundled)[0]
    out = bundled.work / "briefing.pdf"
    bundled.run("briefing", account["account_no"], "--out", str(out))
    text = _pdf_text(out)
    assert account["name"] in text
    for label in BRIEFING_LABELS:
        assert label in text, f"{label!r} not in the briefing text:\n{text[:1500]}"
    fonts = _pdf_fonts(out)
    assert re.search(r"WenQuanYi\S*\s.*\byes\s+yes\b", fonts), f"bundled font not embedded:\n{fonts}"


@pytest.mark.slow
def test_bundled_signed_handout_passes_verify_and_a_changed_byte_fails_it(bundled):
    _require_command(bundled, "visitdesk.cli.visits", "visit", "new")
    _require_command(bundled, "visitdesk.cli.documents", "visit", "sign")
    account = _import_demo(bundled)[0]
    # A customer document needs the bank's hotline (and the documents name the bank).
    from visitdesk.adapters.settings_store import save_settings
    from visitdesk.core.settings import Settings

    save_settings(bundled.data_dir, Settings(bank_name="示例银行", officer_name="李明",
                                             staff_no="A1023", bank_hotline="95500"))
    passphrase = bundled.work / "passphrase.txt"
    passphrase.write_text("correct horse battery staple\n", encoding="utf-8")
    bundled.run("cert", "create", "--name", "李明", "--passphrase-file", str(passphrase))

    answers = ROOT / "docs" / "examples" / "visit-answers.json"
    assert answers.is_file(), "docs/examples/visit-answers.json (the visit record example)"
    created = bundled.json("visit", "new", account["account_no"], "--answers", str(answers),
                           "--json")
    visit_id = str(created["id"])  # type: ignore[index]
    finalised = bundled.json("visit", "finalise", visit_id, "--json")
    assert finalised["finalised"] is True, finalised  # type: ignore[index]
    bundled.run("visit", "sign", visit_id, "--passphrase-file", str(passphrase))

    handout = bundled.work / "handout.pdf"
    bundled.run("handout", visit_id, "--out", str(handout))
    assert account["name"] in _pdf_text(handout)
    report = bundled.json("verify", str(handout), "--json")
    assert report["ok"] is True and report["intact"] is True, report  # type: ignore[index]
    assert report["signer"] == "李明"  # type: ignore[index]

    # one flipped bit inside a signed stream: the bundled verifier reports it (exit 4)
    data = bytearray(handout.read_bytes())
    data[data.index(b"stream") + 20] ^= 0x01
    tampered = bundled.work / "handout-changed.pdf"
    tampered.write_bytes(bytes(data))
    proc = bundled.run("verify", str(tampered), "--json", expect=4)
    assert json.loads(proc.stdout)["intact"] is False


# --- installer script and version resource (fast) ------------------------------------------

def _eval_version_resource(text: str) -> dict:
    """Evaluate PyInstaller's version-resource text with recording stand-ins."""
    strings: dict[str, str] = {}

    def record(name):
        def make(*args, **kwargs):
            if name == "StringStruct":
                strings[args[0]] = args[1]
            return {"type": name, "args": args, "kwargs": kwargs}
        return make

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
             "StringStruct", "VarFileInfo", "VarStruct")
    info = eval(text, {n: record(n) for n in names})  # noqa: S307 (our own generated text)
    return {"ffi": info["kwargs"]["ffi"]["kwargs"], "strings": strings}


def test_version_resource_carries_the_package_version():
    from visitdesk import __version__

    info = _eval_version_resource(version_resource_text(__version__))
    assert info["ffi"]["filevers"] == version_tuple(__version__)
    assert info["strings"]["ProductVersion"] == __version__
    assert info["strings"]["OriginalFilename"] == "visitdesk.exe"
    assert version_tuple("2.10.3rc1") == (2, 10, 3, 0)


ISS = INSTALLER / "visitdesk.iss"


def _iss_text() -> str:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "visitdesk.iss needs a UTF-8 BOM for Inno Setup"
    return raw[3:].decode("utf-8")


def test_installer_is_per_user_and_upgrades_in_place():
    text = _iss_text()
    for directive in ("PrivilegesRequired=lowest",
                      "PrivilegesRequiredOverridesAllowed=dialog",
                      "DefaultDirName={autopf}\\visitdesk",
                      "AppVersion={#AppVersion}"):
        assert directive in text, directive
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", text, re.M), "AppId must be a fixed GUID"
    assert '"{autoprograms}\\visitdesk"' in text
    assert re.search(r'^Name: "desktopicon";.*Flags: unchecked', text, re.M)
    assert re.search(r'^Name: "openwith";.*Flags: unchecked', text, re.M)
    assert "OpenWithProgids" in text


def test_installer_custom_messages_exist_in_both_languages():
    text = _iss_text()
    languages = re.findall(r'^Name: "(\w+)"; MessagesFile:', text, re.M)
    assert languages == ["chinesesimplified", "english"]
    defined: dict[str, set[str]] = {lang: set() for lang in languages}
    for lang, key in re.findall(r"^(\w+)\.(\w+)=", text, re.M):
        if lang in defined:
            defined[lang].add(key)
    assert defined["chinesesimplified"] == defined["english"]
    from_isl = {"CreateDesktopIcon", "AdditionalIcons", "LaunchProgram"}
    used = set(re.findall(r"\{cm:(\w+)", text)) | set(re.findall(r"CustomMessage\('(\w+)'\)", text))
    assert used - from_isl <= defined["english"], used - from_isl - defined["english"]


def test_uninstaller_keeps_the_data_folder_the_app_uses_unless_asked():
    from visitdesk import paths

    text = _iss_text()
    assert paths.APP_NAME == "visitdesk"
    # platformdirs on Windows: user_data_dir("visitdesk", appauthor=False, roaming=False)
    assert "{localappdata}\\visitdesk'" in text
    code = text.split("[Code]", 1)[1]
    remove = code.index("DelTree(DataDir()")
    assert "MB_DEFBUTTON2" in code and "/REMOVEDATA" in code and "UninstallSilent()" in code
    assert code.index("RemoveData :=") < remove
    assert "[UninstallDelete]" not in text


def test_open_with_command_is_accepted_by_the_app():
    text = _iss_text()
    commands = re.findall(r'ValueData: """\{app\}\\visitdesk.exe"" (.*?) ""%1"""', text)
    assert commands, "no open command in the installer"
    from visitdesk.cli import build_parser

    for option in set(commands):
        args = build_parser().parse_args([option, "book.xlsx"])
        assert args.command is None, "opening a workbook must open the window"


def test_icon_has_every_windows_size_as_png_entries():
    import struct

    data = (INSTALLER / "visitdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, _h, _c, _r, _planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i)
        assert bits == 32 and data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.add(width or 256)
    assert {16, 24, 32, 48, 256} <= sizes
    assert (ROOT / "resources" / "icons" / "visitdesk.png").read_bytes() == (
        INSTALLER / "visitdesk.png").read_bytes()
