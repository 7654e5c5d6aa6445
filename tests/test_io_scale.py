"""The loader at scale (issue #14): the bytes-level checks and the block-by-block parser
give exactly what the slower exact paths give, on files built to hit every edge."""

from __future__ import annotations

import csv
import io as _io
import operator
import random
import re

import numpy as np
import pandas as pd
import pytest

import cxlab.io as cio
from cxlab import load_survey
from cxlab.codebook import Codebook
from cxlab.errors import DataError
from cxlab.io import read_table
from cxlab.synth import make_frame

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")


def _outcome(path, **kw):
    """What read_table makes of a file: the frame, or the error's rule and rows."""
    try:
        frame, info = read_table(path, **kw)
    except DataError as err:
        return ("error", err.rule, err.rows)
    return ("frame", frame, info)


def _same(a, b):
    assert a[0] == b[0], (a, b)
    if a[0] == "error":
        assert a[1:] == b[1:]
    else:
        pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
        assert a[2] == b[2]


def _exact(monkeypatch, path, **kw):
    """The outcome through the exact paths only: the CSV reader decides the record
    widths, and the parser's blocks are copied and joined (no counted length)."""
    with monkeypatch.context() as m:
        m.setattr(cio, "_check_records_fast", lambda *a, **k: None)
        return _outcome(path, **kw)


_FIELDS = ["a", "1", "2.5", "", " 7", '"x, y"', '"say ""hi"""', '"two\nlines"', '"a\r\nb"', "é"]


def _random_csv(rng: random.Random, width: int) -> str:
    lines = [",".join(f"c{k}" for k in range(width))]
    for _ in range(rng.randint(0, 12)):
        roll = rng.random()
        if roll < 0.08:
            lines.append("")  # a blank line
        elif roll < 0.16:  # a ragged row
            lines.append(",".join(rng.choice(_FIELDS) for _ in range(width + rng.choice([-1, 1]))))
        elif roll < 0.2:  # a stray quote
            lines.append(",".join(["a"] * (width - 1) + ['b"c']))
        else:
            lines.append(",".join(rng.choice(_FIELDS) for _ in range(width)))
    end = rng.choice(["\n", "\r\n", "\r"])
    text = end.join(lines)
    return text + (end if rng.random() < 0.8 else "")


@pytest.mark.parametrize("block", [1 << 24, 7])
def test_fast_checks_and_block_parsing_agree_with_the_exact_paths(tmp_path, monkeypatch, block):
    """Random small files (quoted separators and line breaks, escaped quotes, blank
    lines, ragged rows, stray quotes, CR/LF/CRLF, no final line end), read in blocks
    of 7 bytes and 3 rows so that every boundary case occurs: the same frame or the
    same error (rule and file lines) as the exact paths."""
    monkeypatch.setattr(cio, "_BLOCK", block)
    monkeypatch.setattr(cio, "_CHUNK_ROWS", 3)
    rng = random.Random(14)
    path = tmp_path / "f.csv"
    for _ in range(150):
        path.write_bytes(_random_csv(rng, rng.choice([1, 2, 4])).encode("utf-8"))
        _same(_outcome(path), _exact(monkeypatch, path))


def test_block_records_agree_with_the_line_count():
    """The skeleton comparison (separators, quotes, line ends) counts records exactly
    when every line holds the header's separators, and otherwise defers to the
    line-by-line count, which is _line_widths' rule."""
    rng = random.Random(3)
    alphabet = ["a", ",", ",", '"', "\n", "\n", "\r", "\r\n", " ", "é", "\x0c", "\u2028", "\x85"]
    checked = 0
    for _ in range(4000):
        text = "".join(
            (",".join(rng.choice(["a", '"x,\ny"', "", '"q""r"']) for _ in range(3)) + "\n")
            if rng.random() < 0.7
            else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
            for _ in range(rng.randint(0, 6))
        )
        data = text.encode("utf-8")
        quotes = data.count(b'"')
        if quotes % 2:
            continue
        want = rng.choice([0, 1, 2, 2])
        bare = re.sub(r'"[^"]*"', "", text)
        lines = list(filter(None, bare.splitlines()))
        other = any(c in bare for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        ok = not other and set(map(operator.methodcaller("count", ","), lines)) <= {want}
        expected = len(lines) if ok else None
        assert cio._block_records(data, quotes, b",", want, True) == expected, repr(text)
        checked += 1
    assert checked > 2000


def test_a_column_typed_differently_in_two_blocks_is_read_as_one_column(tmp_path, monkeypatch):
    """Numbers in the first block and text in the next, booleans, integers then
    decimals, an empty block: each column as a single read of the file types it."""
    rows = ["id,num,mixed,flag,late,empty,ints"]
    for k in range(10):
        mixed = "abc" if k == 8 else str(k)
        late = "x" if k == 9 else ""
        ints = f"{k}.5" if k > 5 else str(k)
        rows.append(f"r{k},{k},{mixed},{'True' if k % 2 else 'False'},{late},,{ints}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    whole = _outcome(path, text_columns=["id"])
    monkeypatch.setattr(cio, "_CHUNK_ROWS", 3)
    _same(_outcome(path, text_columns=["id"]), whole)
    _same(_exact(monkeypatch, path, text_columns=["id"]), whole)
    frame = whole[1]
    assert frame["num"].dtype == float and frame["ints"].dtype == float
    assert frame["mixed"].tolist()[7:9] == ["7", "abc"]
    assert frame["flag"].tolist()[:2] == ["False", "True"]  # booleans stay as written


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be"])
def test_every_encoding_reads_as_the_utf8_file(tmp_path, monkeypatch, encoding):
    """A byte-order mark, Windows-1252, UTF-16 with and without a mark: the frame of
    the UTF-8 file; with 5-byte blocks a character is cut at block ends."""
    text = 'id,name,q1\nr1,"Zoë, née Müller",3\nr2,Jérôme,4\nr3,"line\nbreak",\n'
    (tmp_path / "u.csv").write_text(text, encoding="utf-8", newline="")
    (tmp_path / "e.csv").write_text(text, encoding=encoding, newline="")
    monkeypatch.setattr(cio, "_BLOCK", 5)
    base = _outcome(tmp_path / "u.csv", text_columns=["id"])
    other = _outcome(tmp_path / "e.csv", text_columns=["id"])
    pd.testing.assert_frame_equal(base[1], other[1], check_exact=True)
    assert other[2]["encoding"] == encoding


def test_utf8_cut_inside_a_character_is_not_utf8(tmp_path, monkeypatch):
    """The block-by-block UTF-8 check sees a character cut at the end of the file (then
    the file is read as Windows-1252, as a whole-file decode would decide)."""
    monkeypatch.setattr(cio, "_BLOCK", 4)
    good = "id,q\nr1,é\n".encode()
    assert cio._decodes(good, "utf-8-sig")
    assert not cio._decodes(good[:-2], "utf-8-sig")  # the é's second byte is gone
    assert not cio._decodes(b"id\n\xff\n", "utf-8-sig")
    assert cio._decodes(b"id\n\xe9\n", "cp1252")


def test_ragged_rows_are_named_by_file_line_whatever_the_block_size(tmp_path, monkeypatch):
    frame, spec, _ = make_frame("banking", 40, 2)
    buf = _io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    lines = buf.getvalue().split("\n")
    lines[5] += ",extra"
    lines[20] = lines[20].rsplit(",", 1)[0]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    for block in (1 << 24, 50):
        monkeypatch.setattr(cio, "_BLOCK", block)
        with pytest.raises(DataError) as err:
            load_survey(path, Codebook.from_dict(spec))
        assert err.value.rows == [6, 21]


def test_read_table_frame_takes_new_columns_without_warnings(tmp_path):
    """read_table's frame has pandas' usual layout (one block per dtype): adding
    columns does not warn about fragmentation."""
    frame, _, _ = make_frame("banking", 30, 1)
    path = tmp_path / "f.csv"
    frame.to_csv(path, index=False)
    got, _ = read_table(path)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k in range(5):
            got[f"new{k}"] = 1.0


def test_load_survey_equals_survey_from_a_whole_file_read(tmp_path, monkeypatch):
    """load_survey (blocks of rows, columns freed as they are read) builds the survey
    survey_from_frame builds from read_table's frame, and leaves that frame alone."""
    from cxlab.survey import survey_from_frame

    frame, spec, _ = make_frame("banking", 300, 7)
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    cb = Codebook.from_dict(spec)
    monkeypatch.setattr(cio, "_CHUNK_ROWS", 64)
    loaded = load_survey(path, cb)
    wide, info = read_table(path, text_columns=[cb.respondent_id])
    before = wide.copy()
    built = survey_from_frame(wide, cb, file=str(path), row_offset=info["row_offset"])
    pd.testing.assert_frame_equal(wide, before)  # not modified
    for name in ("respondents", "personal", "quality", "comments"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(built, name))
    pd.testing.assert_frame_equal(loaded.event_table(), built.event_table(), check_exact=True)


def test_release_columns_frees_the_frame():
    from cxlab.survey import survey_from_frame

    frame, spec, _ = make_frame("banking", 50, 2)
    cb = Codebook.from_dict(spec)
    kept = survey_from_frame(frame.copy(), cb)
    consumed = frame.copy()
    released = survey_from_frame(consumed, cb, release_columns=True)
    assert consumed.shape == frame.shape and consumed.isna().all().all()
    assert all(consumed[c].to_numpy().strides == (0,) for c in consumed.columns)  # freed
    pd.testing.assert_frame_equal(kept.respondents, released.respondents)
    pd.testing.assert_frame_equal(kept.personal, released.personal)
    pd.testing.assert_frame_equal(kept.event_table(), released.event_table())


def test_header_records_match_the_csv_reader():
    """The header is read from a stream of the bytes as from the whole text."""
    text = 'a,"b\nc",d\n1,2,3\n'
    reader = csv.reader(_io.StringIO(text, newline=""), skipinitialspace=True)
    t = cio._Text(text.encode(), "utf-8-sig", "utf-8-sig", None)
    header, header_line, first = cio._header_records(
        csv.reader(t.stream(), skipinitialspace=True), 0
    )
    assert header == next(reader) and (header_line, first) == (2, 3)
    assert cio._check_records_fast(t, ",", 0) == (["a", "b\nc", "d"], 3, 1)
    assert np.isscalar(first)


def test_records_the_line_count_misses_are_read_plainly(tmp_path, monkeypatch):
    """A line holding only a quoted field is blank to the line count but a record to
    the parser: the counts differ, so the file is read again without the count, as
    the exact path reads it."""
    path = tmp_path / "q.csv"
    path.write_bytes(b'c0,c1\r\n"a\r\nb"\r\n"x, y",1\r\na,"a\r\nb"\r\n')
    monkeypatch.setattr(cio, "_CHUNK_ROWS", 2)
    got = _outcome(path)
    _same(got, _exact(monkeypatch, path))
    assert got[0] == "frame" and len(got[1]) == 3
    assert cio._check_records_fast(cio._decode(path), ",", 0)[2] == 2  # lines counted
