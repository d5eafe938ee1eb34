"""Results that live well in notebooks: short summaries, export, a load path.

:class:`ResultMixin` is a base class for the frozen result dataclasses of
``numeric`` and ``infoflow``.  It adds

* a short ``repr`` and ``_repr_html_`` (one row per field: an array shows its
  dtype, shape and range, never its contents);
* :meth:`~ResultMixin.to_dict` (plain Python: lists, floats, strings);
* :meth:`~ResultMixin.save` to ``.npz`` (lossless) or ``.json`` (strict
  JSON: non-finite numbers are tagged, never bare ``NaN``);
* :func:`load_result` / :meth:`~ResultMixin.load` to read a file back into
  the same class.

Fields holding callables (e.g. a schedule's rate) are skipped by
``to_dict``/``save``; a class that needs such a field cannot be rebuilt by
:func:`load_result`, which then says so.  Only classes defined in the
``thermolearn`` package are ever imported by the load path.

>>> import numpy as np
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Demo(ResultMixin):
...     times: np.ndarray
...     method: str
>>> d = Demo(np.linspace(0, 1, 1001), "exact")
>>> d
Demo
  times   float64 (1001,) in [0, 1]
  method  'exact'
>>> d.to_dict()["method"], len(d.to_dict()["times"])
('exact', 1001)
"""

from __future__ import annotations

import dataclasses
import html
import importlib
import json
import math
from pathlib import Path

import numpy as np

from thermolearn.theory import ParameterError

__all__ = ["ResultMixin", "load_result", "summarise"]

_FORMAT = "thermolearn-result"
_FORMAT_VERSION = 1


def summarise(value) -> str:
    """One short line describing ``value`` (arrays by dtype, shape and range).

    >>> summarise(np.zeros((3, 2)))
    'float64 (3, 2) in [0, 0]'
    >>> summarise(np.array([1.5, 2.0]))
    'float64 (2,) [1.5, 2]'
    >>> summarise(("Euler step near instability",))
    "('Euler step near instability',)"
    """
    if isinstance(value, np.ndarray):
        head = f"{value.dtype} {value.shape}"
        if value.size == 0:
            return head
        if value.size <= 4 and value.dtype.kind in "biuf":
            return head + " [" + ", ".join(f"{v:.6g}" for v in value.ravel()) + "]"
        if value.dtype.kind in "biuf":
            finite = value[np.isfinite(value)]
            rng = f" in [{finite.min():.6g}, {finite.max():.6g}]" if finite.size else ""
            bad = value.size - finite.size
            return head + rng + (f", {bad} non-finite" if bad else "")
        return head
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"{type(value).__name__}(...)"
    if callable(value):
        return f"<callable {getattr(value, '__name__', type(value).__name__)}>"
    text = repr(value)
    return text if len(text) <= 72 else text[:69] + "..."


def _public_fields(obj):
    return [f for f in dataclasses.fields(obj) if not f.name.startswith("_")]


class ResultMixin:
    """Summaries, export and reload for a frozen result dataclass.

    Subclasses keep the dataclass-generated ``__eq__``; ``__repr__`` is the
    short summary (installed on each subclass so ``@dataclass`` keeps it).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:  # @dataclass then leaves it in place
            cls.__repr__ = ResultMixin.__repr__

    # --- summaries ---------------------------------------------------------
    def _summary_rows(self):
        return [(f.name, summarise(getattr(self, f.name))) for f in _public_fields(self)]

    def __repr__(self) -> str:
        rows = self._summary_rows()
        width = max((len(n) for n, _ in rows), default=0)
        return "\n".join([type(self).__name__] + [f"  {n.ljust(width)}  {s}" for n, s in rows])

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td style='text-align:left'><code>{html.escape(n)}</code></td>"
            f"<td style='text-align:left'>{html.escape(s)}</td></tr>"
            for n, s in self._summary_rows()
        )
        return f"<table><caption><b>{html.escape(type(self).__name__)}</b></caption>{cells}</table>"

    # --- export ------------------------------------------------------------
    def to_dict(self) -> dict:
        """Every public data field as plain Python (arrays become nested lists).

        Callables are left out; nested dataclasses become dicts.
        """
        return {f.name: _plain(getattr(self, f.name)) for f in _public_fields(self)
                if not _is_callable(getattr(self, f.name))}

    def save(self, path) -> Path:
        """Write the result to ``path``: ``.npz`` (lossless) or ``.json`` (strict JSON).

        Returns the path written.  Read it back with :func:`load_result`.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".npz", ".json"):
            raise ParameterError(f"save: path must end in .npz or .json, got {str(path)!r}")
        arrays = {} if suffix == ".npz" else None
        meta = {"format": _FORMAT, "version": _FORMAT_VERSION, "class": _class_path(type(self)),
                "data": _encode_fields(self, arrays)}
        from thermolearn import __version__

        meta["thermolearn"] = __version__
        text = json.dumps(meta, allow_nan=False)
        if suffix == ".json":
            path.write_text(text + "\n", encoding="utf-8")
        else:
            with open(path, "wb") as fh:  # np.savez would append .npz to a str path lacking it
                np.savez_compressed(fh, __meta__=np.array(text), **arrays)
        return path

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save` and check it holds a ``cls``."""
        obj = load_result(path)
        if not isinstance(obj, cls):
            raise ParameterError(f"{path!s} holds a {type(obj).__name__}, expected {cls.__name__}")
        return obj


# --- encoding -----------------------------------------------------------------
def _is_callable(v):
    return callable(v) and not isinstance(v, (type, np.ndarray)) and not dataclasses.is_dataclass(v)


def _plain(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: _plain(getattr(v, f.name)) for f in _public_fields(v) if not _is_callable(getattr(v, f.name))}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _class_path(cls):
    return f"{cls.__module__}:{cls.__qualname__}"


def _float(x):
    x = float(x)
    return x if math.isfinite(x) else {"__float__": repr(x)}  # 'nan', 'inf', '-inf'


def _finite_or_text(x):
    return x if math.isfinite(x) else repr(x)  # 'nan', 'inf', '-inf': numpy reads them back


def _array_list(a):
    if a.dtype.kind != "f":
        return a.tolist()
    if a.ndim == 0:
        return _finite_or_text(a.item())
    return [_array_list(r) for r in a] if a.ndim > 1 else [_finite_or_text(x) for x in a.tolist()]


def _encode(v, arrays, key):
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in "biuf":
            raise ParameterError(f"save: field {key!r} is an array of dtype {v.dtype}; only numbers can be saved")
        if arrays is not None:
            arrays[key] = v
            return {"__npz__": key}
        return {"__ndarray__": _array_list(v), "dtype": str(v.dtype), "shape": list(v.shape)}
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return _float(v)
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {"__dataclass__": _class_path(type(v)), "fields": _encode_fields(v, arrays, key + ".")}
    if isinstance(v, (list, tuple)):
        items = [_encode(x, arrays, f"{key}.{i}") for i, x in enumerate(v)]
        return {"__tuple__": items} if isinstance(v, tuple) else items
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {"__dict__": {k: _encode(x, arrays, f"{key}.{k}") for k, x in v.items()}}
    raise ParameterError(f"save: field {key!r} holds a {type(v).__name__}, which has no file representation")


def _encode_fields(obj, arrays, prefix=""):
    return {f.name: _encode(getattr(obj, f.name), arrays, prefix + f.name)
            for f in _public_fields(obj) if not _is_callable(getattr(obj, f.name))}


# --- decoding -----------------------------------------------------------------
def _resolve(path_text):
    module, _, qual = str(path_text).partition(":")
    if not (module == "thermolearn" or module.startswith("thermolearn.")) or not qual:
        raise ParameterError(f"load: class {path_text!r} is not a thermolearn class; refusing to import it")
    obj = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise ParameterError(f"load: {path_text!r} does not name a thermolearn result class")
    return obj


def _decode(v, arrays):
    if isinstance(v, list):
        return [_decode(x, arrays) for x in v]
    if not isinstance(v, dict):
        return v
    if "__npz__" in v:
        return arrays[v["__npz__"]]
    if "__ndarray__" in v:
        return np.array(v["__ndarray__"], dtype=v["dtype"]).reshape(v["shape"])
    if "__float__" in v:
        return float(v["__float__"])
    if "__tuple__" in v:
        return tuple(_decode(x, arrays) for x in v["__tuple__"])
    if "__dict__" in v:
        return {k: _decode(x, arrays) for k, x in v["__dict__"].items()}
    if "__dataclass__" in v:
        return _build(_resolve(v["__dataclass__"]), v["fields"], arrays)
    raise ParameterError(f"load: unrecognised entry {sorted(v)!r}")


def _build(cls, data, arrays):
    values = {k: _decode(x, arrays) for k, x in data.items()}
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    missing = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ParameterError(
            f"load: {cls.__name__} needs {missing}, which were not saved (callables have no file form); "
            "read the saved data with load_result(path, as_dict=True)")
    return cls(**{k: x for k, x in values.items() if k in names})


def load_result(path, *, as_dict: bool = False):
    """Read a result written by ``result.save(path)`` (``.npz`` or ``.json``).

    Returns the result object (same class, same numbers), or with
    ``as_dict=True`` the saved fields as a dict of arrays and values.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"load: no such file {str(path)!r}")
    arrays = {}
    try:
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            meta = json.loads(str(arrays.pop("__meta__")))
        else:
            meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as err:
        raise ParameterError(f"load: {str(path)!r} is not a saved thermolearn result ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise ParameterError(f"load: {str(path)!r} is not a saved thermolearn result (no format tag)")
    if meta.get("version") != _FORMAT_VERSION:
        raise ParameterError(f"load: {str(path)!r} has format version {meta.get('version')!r}, "
                             f"this thermolearn reads version {_FORMAT_VERSION}")
    if as_dict:
        return {k: _decode(x, arrays) for k, x in meta["data"].items()}
    return _build(_resolve(meta["class"]), meta["data"], arrays)
