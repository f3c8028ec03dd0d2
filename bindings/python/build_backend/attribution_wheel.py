"""PEP 517 build backend of the attribution package: builds its pure-Python wheel with the standard library only.

Why not setuptools: setuptools before 70 needs the separate ``wheel`` package to build any wheel, and an offline
machine (Debian 12's python3-venv gives a venv pip and setuptools 65/66, no wheel) cannot fetch it. With no build
requirements, ``pip install bindings/python`` works offline, in build isolation or not. Metadata comes from the
[project] table of pyproject.toml.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from typing import Any, Dict, List, Optional, Tuple

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "attribution"
_TAG = "py3-none-any"


def _project() -> Dict[str, Any]:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError as e:
            raise RuntimeError("building the attribution package needs Python 3.11+ (tomllib) or the tomli package") from e
    with open(os.path.join(_ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _metadata(project: Dict[str, Any]) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3')}",
    ]
    license_ = project.get("license", {})
    if isinstance(license_, dict) and "text" in license_:
        lines.append(f"License: {license_['text']}")
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    return "\n".join(lines) + "\n"


def _package_files() -> List[Tuple[str, str]]:
    """(archive name, path) of the package's modules and its py.typed marker; caches and tests stay out."""
    directory = os.path.join(_ROOT, _PACKAGE)
    names = sorted(n for n in os.listdir(directory) if n.endswith(".py") or n == "py.typed")
    return [(f"{_PACKAGE}/{n}", os.path.join(directory, n)) for n in names]


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _write_wheel(directory: str, entries: List[Tuple[str, bytes]]) -> str:
    project = _project()
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    entries = entries + [
        (f"{dist_info}/METADATA", _metadata(project).encode()),
        (f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: attribution_wheel\nRoot-Is-Purelib: true\nTag: {_TAG}\n".encode()),
    ]
    record = "".join(f"{n},{_digest(d)},{len(d)}\n" for n, d in entries) + f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))
    filename = f"{name}-{version}-{_TAG}.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for n, d in entries:
            info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible archives
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, d)
    return filename


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    """No build requirements: nothing to download."""
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    """No build requirements: nothing to download."""
    return []


def get_requires_for_build_editable(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    """No build requirements: nothing to download."""
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    """The wheel: the package's modules and py.typed."""
    entries = []
    for name, path in _package_files():
        with open(path, "rb") as f:
            entries.append((name, f.read()))
    return _write_wheel(wheel_directory, entries)


def build_editable(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                   metadata_directory: Optional[str] = None) -> str:
    """An editable wheel (PEP 660): a .pth file that puts this source directory on sys.path."""
    return _write_wheel(wheel_directory, [(f"{_PACKAGE}_editable.pth", (_ROOT + "\n").encode())])


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    """The source archive: pyproject.toml, this backend and the package."""
    project = _project()
    base = f"{project['name']}-{project['version']}"
    files = [("pyproject.toml", os.path.join(_ROOT, "pyproject.toml")),
             ("build_backend/attribution_wheel.py", os.path.abspath(__file__))] + _package_files()
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        pkg_info = _metadata(project).encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(pkg_info)
        sdist.addfile(info, io.BytesIO(pkg_info))
        for name, path in files:
            sdist.add(path, arcname=f"{base}/{name}")
    return filename
