#!/usr/bin/env python3
"""Checks the files written by the test_io case "io: interop files for the Python reader".

Usage: read_safetensors.py DIR

DIR/interop.safetensors is parsed with the standard library and numpy only (the `safetensors`
package is not needed): names, dtypes, shapes, values and metadata are compared with values
recomputed here, and the layout rules of the format are checked (8-byte padded header, no duplicate
keys, contiguous offsets, each tensor aligned to its element size). DIR/chart.svg must be
well-formed XML with one polyline per series. Exits 0 on success, 1 with a message otherwise.
"""
import json
import struct
import sys
import xml.dom.minidom
from pathlib import Path

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I8": "i1", "I16": "<i2", "I32": "<i4", "I64": "<i8",
          "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"}


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in the header: {keys}")
    return dict(pairs)


def read_safetensors(path):
    """A minimal reader: returns ({name: numpy array}, metadata)."""
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", {})
    buffer = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]])
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(info["shape"])
    return tensors, metadata, n, header, len(buffer)


def check(condition, message):
    if not condition:
        print("FAIL:", message)
        sys.exit(1)


def main():
    folder = Path(sys.argv[1])
    tensors, metadata, n, header, buffer_size = read_safetensors(folder / "interop.safetensors")

    # Layout rules.
    raw = (folder / "interop.safetensors").read_bytes()
    check(n % 8 == 0, f"header length {n} is not a multiple of 8")
    check(raw[8:9] == b"{", "header does not start with '{'")
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1], name) for name, info in header.items())
    position = 0
    for begin, end, name in spans:
        check(begin == position, f"tensor {name} starts at {begin}, expected {position}")
        size = np.dtype(DTYPES[header[name]["dtype"]]).itemsize
        check(begin % size == 0, f"tensor {name} at offset {begin} is not aligned to {size} bytes")
        position = end
    check(position == buffer_size, f"tensors cover {position} of {buffer_size} bytes")

    # Metadata.
    expected_metadata = {"framework": "causalrec", "epoch": "12",
                         "note": "quote \" backslash \\ newline \n unicode \u00e9 \u2713"}
    check(metadata == expected_metadata, f"metadata {metadata!r}")

    # Tensors: the formulas of the C++ test case.
    expected = {
        "f32_matrix": (np.arange(12, dtype=np.float32).reshape(3, 4) * np.float32(0.25) - np.float32(1)),
        "f64_vector": np.array([0.1, -2.5, 1e300, -0.0, 3.141592653589793], dtype=np.float64),
        "i32_rank3": ((np.arange(12) - 6) * 100000).astype(np.int32).reshape(2, 3, 2),
        "i64_vector": np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max], dtype=np.int64),
        "u8_vector": np.arange(256, dtype=np.uint8),
        "i8_vector": np.array([-128, -1, 0, 127], dtype=np.int8),
        "u16_vector": np.array([0, 1, 65535], dtype=np.uint16),
        "u64_vector": np.array([18446744073709551615, 1], dtype=np.uint64),
        "scalar": np.array(42.5, dtype=np.float64),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "special": np.array([np.nan, np.inf, -np.inf], dtype=np.float32),
    }
    check(sorted(tensors) == sorted(expected), f"tensor names {sorted(tensors)}")
    for name, want in expected.items():
        got = tensors[name]
        check(got.dtype == want.dtype, f"{name}: dtype {got.dtype}, expected {want.dtype}")
        check(got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}")
        check(np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), f"{name}: values {got} != {want}")
    check(np.signbit(tensors["f64_vector"][3]), "f64_vector[3] lost the sign of -0.0")

    # The SVG chart is well-formed XML with one polyline per series.
    document = xml.dom.minidom.parse(str(folder / "chart.svg"))
    root = document.documentElement
    check(root.tagName == "svg", f"root element {root.tagName}")
    polylines = root.getElementsByTagName("polyline")
    check(len(polylines) == 3, f"{len(polylines)} polylines, expected 3")
    counts = [len(p.getAttribute("points").split()) for p in polylines]
    check(counts == [4, 3, 0], f"points per polyline {counts}")
    titles = [p.getElementsByTagName("title")[0].firstChild for p in polylines]
    check(titles[1].data == "val_loss <&> \"q\" '\u00e9'", f"escaped name read back as {titles[1].data!r}")
    title = [t for t in root.getElementsByTagName("text") if t.getAttribute("class") == "title"][0]
    check(title.firstChild.data == "Loss & <accuracy>", "chart title")

    print(f"OK: {len(tensors)} tensors, {len(metadata)} metadata entries, header {n} bytes; chart well-formed")


if __name__ == "__main__":
    main()
