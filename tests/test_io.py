"""Loaders: every format to identical frames, and a clear cxlab error for bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlab import load_survey
from cxlab.codebook import Codebook
from cxlab.errors import CxlabError, DataError, DataQualityWarning
from cxlab.io import write_data
from cxlab.synth import make_frame, write_study

pytestmark = pytest.mark.filterwarnings("ignore::cxlab.errors.DataQualityWarning")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    paths = write_study("banking", 120, 3, folder=folder, formats=("csv", "sav", "xlsx"))
    return paths


@pytest.fixture(scope="module")
def frame_and_codebook():
    frame, spec, _ = make_frame("banking", 60, 5)
    return frame, Codebook.from_dict(spec)


def _digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_csv_xlsx_sav_load_identically(small):
    loaded = {fmt: load_survey(small[fmt], small["codebook"]) for fmt in ("csv", "sav", "xlsx")}
    base = loaded["csv"]
    for fmt in ("sav", "xlsx"):
        pd.testing.assert_frame_equal(base.respondents, loaded[fmt].respondents)
        pd.testing.assert_frame_equal(base.event_table(), loaded[fmt].event_table())
        pd.testing.assert_frame_equal(base.personal.astype(str), loaded[fmt].personal.astype(str))
    assert base.source["format"] == "csv"
    assert len(base.source["sha256"]) == 64


def test_loading_matches_the_generator(small):
    from cxlab.synth import make_study

    survey, _ = make_study("banking", 120, 3)
    loaded = load_survey(small["csv"], small["codebook"])
    pd.testing.assert_frame_equal(survey.respondents, loaded.respondents)
    pd.testing.assert_frame_equal(survey.event_table(), loaded.event_table())


def test_input_files_are_never_modified(small):
    before = {k: _digest(small[k]) for k in ("csv", "sav", "xlsx", "codebook")}
    for fmt in ("csv", "sav", "xlsx"):
        load_survey(small[fmt], small["codebook"])
    assert before == {k: _digest(small[k]) for k in ("csv", "sav", "xlsx", "codebook")}


def test_default_codebook_next_to_file(small):
    survey = load_survey(small["csv"])
    assert survey.codebook.respondent_id == "resp_id"


def test_missing_codes_become_missing_and_scale_is_respected(small):
    raw = pd.read_csv(small["csv"])
    survey = load_survey(small["csv"], small["codebook"])
    assert (raw.filter(like="_sat") == 98).any().any()  # the file has missing codes
    table = survey.event_table()
    assert table["satisfaction"].max() <= 10 and table["satisfaction"].min() >= 1
    assert survey.respondents["spend"].min() >= 0


def test_spss_value_labels_are_kept(small):
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(small["sav"]), metadataonly=True)
    assert meta.variable_value_labels["country"][1.0] == "US"
    survey = load_survey(small["sav"], small["codebook"])
    assert list(survey.respondents["country"].cat.categories) == [
        "US",
        "Canada",
        "UK",
        "France",
        "Germany",
    ]


def test_spss_labels_used_when_codebook_has_none(small, tmp_path):
    spec = yaml_spec(small["codebook"])
    spec["segments"]["life_stage"].pop("labels")
    survey = load_survey(small["sav"], spec)
    assert set(survey.respondents["life_stage"].dropna()) <= {
        "Young adult",
        "Family",
        "Established",
        "Pre-retirement",
    }


def yaml_spec(path):
    import yaml

    return yaml.safe_load(open(path, encoding="utf-8"))


def test_qualtrics_export_with_reverse_coding(project_root):
    folder = f"{project_root}/data/sample/messy"
    survey = load_survey(
        f"{folder}/qualtrics_export.csv", f"{folder}/qualtrics_export_codebook.yaml"
    )
    truth = json.load(open(f"{folder}/qualtrics_export_truth.json"))
    assert survey.source["format"] == "qualtrics"
    assert survey.n_respondents == truth["n_respondents"]
    # the reversed item agrees with its sibling attributes again once reverse-coded
    raw = pd.read_csv(f"{folder}/qualtrics_export.csv", skiprows=[1, 2])
    col = truth["reverse_coded_column"]
    ev = next(e for e in survey.codebook.events if any(i.column == col for i in e.items.values()))
    item = next(n for n, i in ev.items.items() if i.column == col)
    part = survey.event_table().query("event_id == @ev.id")
    other = [a for a in survey.tactile_attributes if a != item and part[a].notna().any()]
    assert part[item].corr(part[other[0]]) > 0.3
    raw_values = raw[col].where(~raw[col].isin([98, 99]))
    assert raw_values.dropna().astype(int).map(lambda v: 11 - v).sum() == part[item].sum()


def test_altered_qualtrics_header_is_a_clear_error(project_root, tmp_path):
    folder = f"{project_root}/data/sample/messy"
    lines = open(f"{folder}/qualtrics_export.csv", encoding="utf-8-sig").read().split("\n")
    lines[2] = lines[2].replace('{""ImportId"": ""QID_Q1_3""}', "edited")
    bad = tmp_path / "export.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(
        DataError, match=r"export.csv: column 'Q1_3', row 3: row 3 of a Qualtrics export"
    ):
        load_survey(bad, f"{folder}/qualtrics_export_codebook.yaml")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_cp1252_are_read(frame_and_codebook, tmp_path, encoding):
    frame, cb = frame_and_codebook
    path = tmp_path / "f.csv"
    path.write_text(frame.to_csv(index=False), encoding=encoding)
    survey = load_survey(path, cb)
    assert survey.personal["name"].tolist() == frame["name"].tolist()  # accents survive
    assert survey.respondents["respondent_id"].iloc[0] == frame["resp_id"].iloc[0]


def test_undecodable_file(tmp_path, frame_and_codebook):
    _, cb = frame_and_codebook
    path = tmp_path / "f.csv"
    path.write_bytes(b"resp_id,age\n\x81\x8d\x8f,\x90\n")
    with pytest.raises(DataError, match="neither UTF-8 nor Windows-1252"):
        load_survey(path, cb)


def _write(tmp_path, frame, name="f.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_empty_file(tmp_path, frame_and_codebook):
    _, cb = frame_and_codebook
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match=r"e.csv: the file is empty"):
        load_survey(tmp_path / "e.csv", cb)


def test_header_only(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    with pytest.raises(DataError, match="no data rows"):
        load_survey(_write(tmp_path, frame.iloc[:0]), cb)


def test_truncated_csv(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    text = frame.to_csv(index=False)
    path = tmp_path / "t.csv"
    path.write_text(text[: len(text) - 200])
    with pytest.raises(DataError, match="truncated"):
        load_survey(path, cb)


@pytest.mark.parametrize("suffix", [".sav", ".xlsx"])
def test_truncated_binary_files(tmp_path, small, suffix):
    key = suffix.lstrip(".")
    data = open(small[key], "rb").read()
    path = tmp_path / f"t{suffix}"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DataError, match=f"t{suffix}: not a readable"):
        load_survey(path, small["codebook"])


def test_missing_columns_are_listed(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    with pytest.raises(
        DataError,
        match=r"f.csv: columns 'q_recommend', 'q1_sig': 2 column\(s\) named in the codebook are absent",
    ):
        load_survey(_write(tmp_path, frame.drop(columns=["q1_sig", "q_recommend"])), cb)


def test_text_in_a_rating_column_names_rows(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    bad = frame.copy().astype({"q2_sat": object})
    bad.loc[[4, 9], "q2_sat"] = "very good"
    with pytest.raises(
        DataError, match=r"f.csv: column 'q2_sat', rows 6, 11: text in a numeric column"
    ):
        load_survey(_write(tmp_path, bad), cb)


def test_value_outside_scale_after_missing_codes(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    bad = frame.copy()
    bad.loc[2, "q3_exb"] = 11
    bad.loc[3, "q3_exb"] = 98  # a missing code is fine
    with pytest.raises(
        DataError, match=r"column 'q3_exb', row 4: values outside the scale \[1, 10\]"
    ):
        load_survey(_write(tmp_path, bad), cb)


def test_duplicate_ids(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    bad = frame.copy()
    bad.loc[7, "resp_id"] = bad.loc[1, "resp_id"]
    with pytest.raises(DataError, match=r"column 'resp_id', rows 3, 9: duplicate respondent ids"):
        load_survey(_write(tmp_path, bad), cb)


def test_unknown_category_code(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    bad = frame.copy()
    bad.loc[0, "country"] = 9
    with pytest.raises(
        DataError, match=r"column 'country', row 2: values not among the codes or labels"
    ):
        load_survey(_write(tmp_path, bad), cb)


def test_unknown_extension(tmp_path, frame_and_codebook):
    _, cb = frame_and_codebook
    (tmp_path / "f.json").write_text("{}")
    with pytest.raises(DataError, match="cannot tell the file format"):
        load_survey(tmp_path / "f.json", cb)


def test_missing_file(tmp_path, frame_and_codebook):
    _, cb = frame_and_codebook
    with pytest.raises(DataError, match="file not found"):
        load_survey(tmp_path / "nope.csv", cb)


def test_semicolon_separated_csv(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    path = tmp_path / "semi.csv"
    frame.to_csv(path, index=False, sep=";")
    assert load_survey(path, cb).n_respondents == len(frame)


def test_quality_table_and_warning(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    bad = frame.copy()
    bad.loc[:25, "q1_eff"] = 99  # 40% refuse this item
    with pytest.warns(DataQualityWarning, match="item non-response"):
        survey = load_survey(_write(tmp_path, bad), cb)
    flagged = survey.quality.query("check == 'item non-response'")
    assert "q1_eff" in set(flagged["column"])
    assert {"straight-lining", "speeders"} <= set(survey.quality["check"])


def test_write_data_rejects_unknown_suffix(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    with pytest.raises(DataError):
        write_data(frame, tmp_path / "x.parquet", cb)


# ------------------------------------------------------------- property-based
_cells = st.one_of(
    st.none(),
    st.integers(-200, 200),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.text(max_size=6),
    st.sampled_from(["98", "99", "-99", "", " ", "NA", "1e3", "é", "\x00"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_malformed_csv_loads_or_raises_cxlab_error(tmp_path, frame_and_codebook, data):
    frame, cb = frame_and_codebook
    bad = frame.head(8).copy().astype(object)
    for _ in range(data.draw(st.integers(1, 6))):
        row = data.draw(st.integers(0, len(bad) - 1))
        col = data.draw(st.sampled_from(list(bad.columns)))
        bad.iat[row, bad.columns.get_loc(col)] = data.draw(_cells)
    if data.draw(st.booleans()):
        bad = bad.drop(columns=data.draw(st.sampled_from(list(bad.columns))))
    path = tmp_path / "h.csv"
    text = bad.to_csv(index=False)
    cut = data.draw(st.integers(0, len(text)))
    path.write_text(text[:cut] if data.draw(st.booleans()) else text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            survey = load_survey(path, cb)
        except CxlabError:
            return
    assert survey.n_respondents >= 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blob=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".sav", ".xlsx"]))
def test_random_bytes_never_escape_as_non_cxlab_errors(tmp_path, frame_and_codebook, blob, suffix):
    _, cb = frame_and_codebook
    path = tmp_path / f"b{suffix}"
    path.write_bytes(blob)
    with pytest.raises(CxlabError):
        load_survey(path, cb)


def test_sample_folder_is_complete(project_root):
    folder = f"{project_root}/data/sample"
    for industry in ("banking", "automotive"):
        for suffix in (".csv", ".sav", "_codebook.yaml", "_truth.json", "_improvement_costs.csv"):
            assert shutil.os.path.exists(f"{folder}/{industry}{suffix}")
    survey = load_survey(f"{folder}/automotive.sav", f"{folder}/automotive_codebook.yaml")
    assert survey.n_respondents == 631
    assert np.isfinite(survey.event_table()["tactile"]).mean() > 0.95


# ------------------------------------------------------------ hardening (issue 12)
def test_ragged_rows_are_refused_with_their_file_lines(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    lines = frame.to_csv(index=False).splitlines()
    width = len(frame.columns)
    lines[5] = ",".join(lines[5].split(",")[: width // 4])  # a row cut short (file line 6)
    lines[9] = lines[9] + ",extra,fields"  # a row with too many fields (file line 10)
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="different number of fields") as err:
        load_survey(path, cb)
    assert err.value.rows == [6, 10] and "r.csv" in str(err.value)


def test_a_row_cut_short_at_the_end_is_refused(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    lines = frame.to_csv(index=False).splitlines()
    lines[-1] = lines[-1][:10]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n")  # followed by a newline: not "truncated"
    with pytest.raises(DataError, match="different number of fields") as err:
        load_survey(path, cb)
    assert err.value.rows == [len(lines)]


@pytest.mark.parametrize("case", ["seventeen_digits", "leading_zeros"])
def test_respondent_ids_are_kept_exactly_as_written(tmp_path, frame_and_codebook, case):
    frame, cb = frame_and_codebook
    frame = frame.copy()
    n = len(frame)
    if case == "seventeen_digits":  # distinct as text, equal as floats
        ids = [str(12345678901234560 + k) for k in range(n)]
        assert len({float(i) for i in ids}) < n
    else:
        ids = [f"{k:06d}" for k in range(1, n + 1)]
    frame["resp_id"] = ids
    survey = load_survey(_write(tmp_path, frame), cb)
    assert survey.respondents["respondent_id"].tolist() == ids
    assert survey.event_table()["respondent_id"].isin(ids).all()


def test_integer_ids_stored_as_numbers_are_integers():
    from cxlab.survey import _normalise_ids

    assert _normalise_ids(pd.Series([1.0, 2.0, np.nan])).tolist()[:2] == ["1", "2"]
    assert _normalise_ids(pd.Series([1.5, 2.0])).tolist() == ["1.5", "2.0"]
    with pytest.raises(DataError, match="lost digits"):
        _normalise_ids(pd.Series([2.0**60, 1.0]))


def test_qualtrics_question_text_with_a_line_break(project_root, tmp_path):
    folder = f"{project_root}/data/sample/messy"
    text = open(f"{folder}/qualtrics_export.csv", encoding="utf-8-sig").read()
    names, questions, rest = text.split("\n", 2)
    fields = next(__import__("csv").reader([questions]))
    fields[14] = "How easy was it?\nPlease rate from 1 to 10"
    import csv as _csv
    import io as _stdio

    buffer = _stdio.StringIO()
    _csv.writer(buffer, lineterminator="\n").writerow(fields)
    path = tmp_path / "export.csv"
    path.write_text(names + "\n" + buffer.getvalue() + rest, encoding="utf-8")
    survey = load_survey(path, f"{folder}/qualtrics_export_codebook.yaml")
    reference = load_survey(
        f"{folder}/qualtrics_export.csv", f"{folder}/qualtrics_export_codebook.yaml"
    )
    assert survey.source["format"] == "qualtrics"
    pd.testing.assert_frame_equal(survey.respondents, reference.respondents)


def test_duplicate_header_is_refused_with_both_positions(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    column = cb.events[0].items["satisfaction"].column
    header, body = frame.to_csv(index=False).split("\n", 1)
    names = header.split(",")
    names[-1] = column  # the last column repeats an event's satisfaction column
    path = tmp_path / "d.csv"
    path.write_text(",".join(names) + "\n" + body)
    with pytest.raises(DataError, match="more than once") as err:
        load_survey(path, cb)
    first = names.index(column) + 1
    assert err.value.column == [column]
    assert f"positions {first}, {len(names)}" in str(err.value)


def test_duplicate_header_in_excel_is_refused(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    bad = frame.copy()
    bad.columns = [*frame.columns[:-1], frame.columns[1]]
    bad.to_excel(tmp_path / "d.xlsx", index=False)
    with pytest.raises(DataError, match="more than once"):
        load_survey(tmp_path / "d.xlsx", cb)


@pytest.mark.parametrize("value", ["inf", "-inf", "1e309", "1e308"])
def test_non_finite_numbers_are_refused_with_column_and_rows(tmp_path, frame_and_codebook, value):
    frame, cb = frame_and_codebook
    spend = cb.respondent_items["spend"].column
    bad = frame.astype({spend: object})
    bad.loc[[2, 4], spend] = value
    with pytest.raises(DataError, match="infinite or overflowing") as err:
        load_survey(_write(tmp_path, bad), cb)
    assert err.value.column == [spend] and err.value.rows == [4, 6]


def test_a_weight_of_1e308_is_refused(tmp_path, frame_and_codebook):
    frame, cb = frame_and_codebook
    spec = cb.to_dict()
    bad = frame.assign(w=1.0)
    bad.loc[0, "w"] = 1e308
    cbw = Codebook.from_dict({**spec, "weight": "w"})
    with pytest.raises(DataError, match="infinite or overflowing") as err:
        load_survey(_write(tmp_path, bad), cbw)
    assert err.value.rows == [2]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read(tmp_path, frame_and_codebook, encoding):
    frame, cb = frame_and_codebook
    path = tmp_path / "u.csv"
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    survey = load_survey(path, cb)
    assert survey.personal["name"].tolist() == frame["name"].tolist()


def test_nul_bytes_are_named(tmp_path, frame_and_codebook):
    _, cb = frame_and_codebook
    path = tmp_path / "b.csv"
    path.write_bytes(b"resp_id,age\n1,\x00\x00\x00\x07\x00\n")
    with pytest.raises(DataError, match="NUL bytes"):
        load_survey(path, cb)


def test_spss_value_labels_contradicting_the_codebook_warn(small, tmp_path):
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(small["sav"]))
    labels = dict(meta.variable_value_labels)
    column = (
        next(c for c in labels if c == "country") if "country" in labels else next(iter(labels))
    )
    swapped = dict(labels[column])
    keys = sorted(swapped)
    swapped[keys[0]], swapped[keys[1]] = swapped[keys[1]], swapped[keys[0]]
    labels[column] = swapped
    path = tmp_path / "x.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    with pytest.warns(DataQualityWarning, match=rf"contradict the codebook's labels for {column}"):
        load_survey(path, small["codebook"])


def test_fast_record_widths_agree_with_the_csv_reader(tmp_path):
    """Issue 14: record widths are counted per line once quoted stretches (with
    separators, escaped quotes and line breaks inside) are taken out; the result is the
    CSV reader's, and a ragged record is still found and named."""
    import csv
    import io as _io

    from cxlab.errors import DataError
    from cxlab.io import _line_widths, read_table

    good = 'id,a,note\nr1,1,"x, y"\nr2,2,"say ""hi"",\nthen go"\nr3,,\n'
    widths = {len(r) for r in csv.reader(_io.StringIO(good, newline="")) if r}
    assert _line_widths(good, ",", 2, 3) == widths == {3}
    assert _line_widths(good.replace("r3,,", "r3,"), ",", 2, 3) is None  # the reader decides
    path = tmp_path / "ragged.csv"
    path.write_text(good.replace("r3,,", "r3,"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_table(path)
    assert err.value.rows == [5]
    (tmp_path / "good.csv").write_text(good, encoding="utf-8")
    frame, _ = read_table(tmp_path / "good.csv")
    assert frame["note"].tolist()[:2] == ["x, y", 'say "hi",\nthen go']
