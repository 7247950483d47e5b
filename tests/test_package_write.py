"""Saving keeps everything a teacher put in a workbook: the package is edited, not rebuilt.

The workbooks here are written part by part from raw package XML, as Excel writes
them: a picture and a text box (a drawing with its media), a form button (a control
with its VML and properties), sparklines and data bars (the sheet's extLst), rich
text (runs in the shared strings), a table, a calculation chain and a second sheet.
After a save, every part but the written sheet, the styles and a table the output
columns join is byte-identical, and the sheet's untouched cells are unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from PIL import Image

from core.canvas import CanvasClient
from core.model import Role, RowResult, Status
from core.plan import apply_results
from core.run import RunOptions
from core.workbook import SaveElsewhereError, open_workbook, save_risks, save_workbook
from core.workflow import Workflow

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
STAMP = "2026-05-09 10:15:00"

#: Shared strings: 0-5 headers, then the pupils' text; 7 is rich text (two runs).
STRINGS = [
    "Name",
    "Teacher",
    "SIS User ID",
    "New Login",
    "Password",
    "Score",
    "Ava Kowalski",
    None,  # "Ms. Patel" in two runs: "Ms." bold red, " Patel" plain
    "0045510",
    "ava.k",
    "sunny-apple-7",
    "Chloé Bernard",
    "Mr. Okafor",
    "0045522",
    "chloe.b",
    "pink-star-72",
    "Yuki Tanaka",
    "0045523",
    "yuki.t",
    "gold-leaf-38",
]
RICH_TEXT = (
    '<si><r><rPr><b/><sz val="11"/><color rgb="FFFF0000"/><rFont val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></rPr><t>Ms.</t></r><r><rPr><sz val="11"/>'
    '<color theme="1"/><rFont val="Calibri"/><family val="2"/><scheme val="minor"/></rPr>'
    '<t xml:space="preserve"> Patel</t></r></si>'
)
#: The extLst of the sheet: Excel 2010 data bars and sparklines.
EXTENSIONS = (
    f'<extLst><ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}">'
    "<x14:conditionalFormattings>"
    f'<x14:conditionalFormatting xmlns:xm="{XM}">'
    '<x14:cfRule type="dataBar" id="{5E0C9F4E-2C5B-4B7A-9E21-0C5F3D1A7B11}">'
    '<x14:dataBar minLength="0" maxLength="100" gradient="0"><x14:cfvo type="autoMin"/>'
    '<x14:cfvo type="autoMax"/><x14:negativeFillColor rgb="FFFF0000"/>'
    '<x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule><xm:sqref>F2:F4</xm:sqref>'
    "</x14:conditionalFormatting></x14:conditionalFormattings></ext>"
    f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
    f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup displayEmptyCellsAs="gap">'
    '<x14:colorSeries rgb="FF376092"/><x14:colorNegative rgb="FFD00000"/>'
    '<x14:colorAxis rgb="FF000000"/><x14:colorMarkers rgb="FFD00000"/>'
    '<x14:colorFirst rgb="FFD00000"/><x14:colorLast rgb="FFD00000"/>'
    '<x14:colorHigh rgb="FFD00000"/><x14:colorLow rgb="FFD00000"/><x14:sparklines>'
    "<x14:sparkline><xm:f>Pupils!F2:F4</xm:f><xm:sqref>F6</xm:sqref></x14:sparkline>"
    "</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)
#: A form button: the sheet's controls, wrapped for Excel 2007 as Excel writes them.
CONTROLS = (
    f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x14"><controls>'
    f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x14">'
    '<control shapeId="1025" r:id="rId3" name="Button 1"><controlPr defaultSize="0" '
    'print="0" autoFill="0" autoPict="0" macro="[0]!Hello"><anchor moveWithCells="1" '
    'sizeWithCells="1"><from><xdr:col>12</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1'
    "</xdr:row><xdr:rowOff>0</xdr:rowOff></from><to><xdr:col>14</xdr:col><xdr:colOff>0"
    "</xdr:colOff><xdr:row>3</xdr:row><xdr:rowOff>0</xdr:rowOff></to></anchor>"
    "</controlPr></control></mc:Choice></mc:AlternateContent></controls></mc:Choice>"
    "</mc:AlternateContent>"
)


def shared(index: int) -> str:
    return f't="s"><v>{index}</v>'


def pupils_sheet(*, table: bool, auto_filter: bool, formulas: bool) -> str:
    """The pupils' sheet; with ``formulas`` a "Name length" column G whose cells share
    one formula (as Excel stores a formula filled down)."""
    header = "".join(f'<c r="{col}1" s="1" {shared(i)}</c>' for i, col in enumerate("ABCDEF"))
    if formulas:
        header += '<c r="G1" s="1" t="inlineStr"><is><t>Name length</t></is></c>'
    rows = [f'<row r="1" spans="1:6" x14ac:dyDescent="0.25">{header}</row>']
    pupils = [(6, 7, 8, 9, 10, 7), (11, 12, 13, 14, 15, 9), (16, 12, 17, 18, 19, 4)]
    lengths = {2: 12, 3: 13, 4: 11}
    for number, (name, teacher, sis, login, password, score) in enumerate(pupils, start=2):
        length = ""
        if formulas:
            formula = (
                '<f t="shared" ref="G2:G4" si="0">LEN(A2)</f>'
                if number == 2
                else '<f t="shared" si="0"/>'
            )
            length = f'<c r="G{number}">{formula}<v>{lengths[number]}</v></c>'
        rows.append(
            f'<row r="{number}" spans="1:6" x14ac:dyDescent="0.25">'
            f'<c r="A{number}" {shared(name)}</c><c r="B{number}" {shared(teacher)}</c>'
            f'<c r="C{number}" s="2" {shared(sis)}</c><c r="D{number}" {shared(login)}</c>'
            f'<c r="E{number}" {shared(password)}</c><c r="F{number}"><v>{score}</v></c>'
            f"{length}</row>"
        )
    auto_filter_xml = (
        '<autoFilter ref="A1:F4" xr:uid="{00000000-0009-0000-0000-000000000000}"/>'
        if auto_filter
        else ""
    )
    return (
        DECLARATION + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" xmlns:xdr="{XDR}" '
        f'xmlns:x14="{X14}" xmlns:mc="{MC}" mc:Ignorable="x14ac xr xr2 xr3" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
        'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
        'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" '
        'xr:uid="{8A7B5F2E-1D3C-4E5F-9A8B-7C6D5E4F3A2B}">'
        '<sheetPr codeName="Sheet1"/><dimension ref="A1:F4"/><sheetViews>'
        '<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="D3" '
        'sqref="D3"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15" '
        'x14ac:dyDescent="0.25"/><cols><col min="1" max="1" width="20.7109375" '
        'customWidth="1"/><col min="2" max="5" width="14.28515625" customWidth="1"/></cols>'
        "<sheetData>"
        + "".join(rows)
        + "</sheetData>"
        + auto_filter_xml
        + '<conditionalFormatting sqref="F2:F4"><cfRule type="dataBar" priority="1"><dataBar>'
        '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
        f'<ext uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}" xmlns:x14="{X14}">'
        "<x14:id>{5E0C9F4E-2C5B-4B7A-9E21-0C5F3D1A7B11}</x14:id></ext></extLst></cfRule>"
        '</conditionalFormatting><pageMargins left="0.7" right="0.7" top="0.75" '
        'bottom="0.75" header="0.3" footer="0.3"/><drawing r:id="rId1"/>'
        '<legacyDrawing r:id="rId2"/>'
        + CONTROLS
        + ('<tableParts count="1"><tablePart r:id="rId4"/></tableParts>' if table else "")
        + EXTENSIONS
        + "</worksheet>"
    )


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def teacher_parts(
    *, table: bool = True, auto_filter: bool = False, formulas: bool = False
) -> dict[str, bytes]:
    """Every part of a teacher's workbook, as Excel would write it."""
    strings = "".join(RICH_TEXT if text is None else f"<si><t>{text}</t></si>" for text in STRINGS)
    parts = {
        "[Content_Types].xml": DECLARATION
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="png" ContentType="image/png"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="vml" ContentType="application/vnd.'
        'openxmlformats-officedocument.vmlDrawing"/><Default Extension="xml" '
        'ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.drawing+xml"/>'
        '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" ContentType="application/vnd.'
        'ms-excel.controlproperties+xml"/>'
        + (
            '<Override PartName="/xl/tables/table1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.table+xml"/>'
            if table
            else ""
        )
        + '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.calcChain+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/></Types>',
        "_rels/.rels": DECLARATION + f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId2" Type="{REL}/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "docProps/core.xml": DECLARATION
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:creator>Ms. Patel</dc:creator></cp:coreProperties>",
        "xl/workbook.xml": DECLARATION + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<workbookPr codeName="ThisWorkbook" defaultThemeVersion="166925"/><bookViews>'
        '<workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/>'
        '</bookViews><sheets><sheet name="Pupils" sheetId="1" r:id="rId1"/>'
        '<sheet name="Lookup" sheetId="2" r:id="rId2"/></sheets><definedNames>'
        '<definedName name="Teachers">Lookup!$A$1:$A$2</definedName></definedNames>'
        '<calcPr calcId="191029"/></workbook>',
        "xl/_rels/workbook.xml.rels": DECLARATION + f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId5" Type="{REL}/calcChain" Target="calcChain.xml"/>'
        f'<Relationship Id="rId4" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": pupils_sheet(
            table=table, auto_filter=auto_filter, formulas=formulas
        ),
        "xl/worksheets/_rels/sheet1.xml.rels": DECLARATION
        + f'<Relationships xmlns="{PKG}">'
        + (
            f'<Relationship Id="rId4" Type="{REL}/table" Target="../tables/table1.xml"/>'
            if table
            else ""
        )
        + f'<Relationship Id="rId3" Type="{REL}/ctrlProp" Target="../ctrlProps/ctrlProp1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/vmlDrawing" '
        'Target="../drawings/vmlDrawing1.vml"/>'
        f'<Relationship Id="rId1" Type="{REL}/drawing" Target="../drawings/drawing1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet2.xml": DECLARATION + f'<worksheet xmlns="{MAIN}">'
        '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        '<t>Ms. Patel</t></is></c><c r="B1"><f>LEN(A1)</f><v>9</v></c></row><row r="2">'
        '<c r="A2" t="inlineStr"><is><t>Mr. Okafor</t></is></c></row></sheetData></worksheet>',
        "xl/calcChain.xml": DECLARATION + f'<calcChain xmlns="{MAIN}"><c r="B1" i="2"/>'
        "</calcChain>",
        "xl/sharedStrings.xml": DECLARATION
        + f'<sst xmlns="{MAIN}" count="{len(STRINGS) + 1}" uniqueCount="{len(STRINGS)}">'
        + strings
        + "</sst>",
        "xl/styles.xml": DECLARATION + f'<styleSheet xmlns="{MAIN}" xmlns:mc="{MC}" '
        'mc:Ignorable="x14ac x16r2" xmlns:x14ac="http://schemas.microsoft.com/office/'
        'spreadsheetml/2009/9/ac" xmlns:x16r2="http://schemas.microsoft.com/office/'
        'spreadsheetml/2015/02/main"><fonts count="2" x14ac:knownFonts="1"><font>'
        '<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
        '<scheme val="minor"/></font><font><b/><sz val="11"/><color rgb="FFFFFFFF"/>'
        '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
        '<fgColor rgb="FF2F5597"/><bgColor indexed="64"/></patternFill></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="2" '
        'borderId="0" xfId="0" applyFont="1" applyFill="1"/><xf numFmtId="49" fontId="0" '
        'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles '
        'count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs '
        'count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
        'defaultPivotStyle="PivotStyleLight16"/></styleSheet>',
        "xl/drawings/drawing1.xml": DECLARATION + f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}">'
        '<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>7</xdr:col><xdr:colOff>0'
        "</xdr:colOff><xdr:row>5</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to>"
        "<xdr:col>8</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>8</xdr:row><xdr:rowOff>0"
        '</xdr:rowOff></xdr:to><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="School logo"/>'
        '<xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>'
        f'<xdr:blipFill><a:blip xmlns:r="{REL}" r:embed="rId1"/><a:stretch><a:fillRect/>'
        '</a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="381000"'
        ' cy="285750"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>'
        "</xdr:pic><xdr:clientData/></xdr:twoCellAnchor><xdr:twoCellAnchor><xdr:from>"
        "<xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5</xdr:row><xdr:rowOff>0"
        "</xdr:rowOff></xdr:from><xdr:to><xdr:col>12</xdr:col><xdr:colOff>0</xdr:colOff>"
        '<xdr:row>8</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="" '
        'textlink=""><xdr:nvSpPr><xdr:cNvPr id="3" name="TextBox 2"/><xdr:cNvSpPr '
        'txBox="1"/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        '</xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-GB"/>'
        "<a:t>Send back by Friday!</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
        "</xdr:twoCellAnchor></xdr:wsDr>",
        "xl/drawings/_rels/drawing1.xml.rels": DECLARATION + f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/image" Target="../media/image1.png"/>'
        "</Relationships>",
        "xl/drawings/vmlDrawing1.vml": '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-'
        'com:office:excel"><v:shape id="_x0000_s1025" type="#_x0000_t201" style="position:'
        'absolute" o:button="t" fillcolor="buttonFace [67]"><v:textbox><div><font '
        'face="Calibri" size="220">Check</font></div></v:textbox><x:ClientData '
        'ObjectType="Button"><x:Anchor>12, 0, 1, 0, 14, 0, 3, 0</x:Anchor><x:FmlaMacro>'
        "[0]!Hello</x:FmlaMacro></x:ClientData></v:shape></xml>",
        "xl/ctrlProps/ctrlProp1.xml": DECLARATION
        + f'<formControlPr xmlns="{X14}" objectType="Button" lockText="1"/>',
    }
    if table:
        columns = "".join(f'<tableColumn id="{i}" name="{STRINGS[i - 1]}"/>' for i in range(1, 7))
        parts["xl/tables/table1.xml"] = (
            DECLARATION + f'<table xmlns="{MAIN}" id="1" name="Pupils" displayName="Pupils" '
            'ref="A1:F4" totalsRowShown="0"><autoFilter ref="A1:F4"/>'
            f'<tableColumns count="6">{columns}</tableColumns><tableStyleInfo '
            'name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" '
            'showRowStripes="1" showColumnStripes="0"/></table>'
        )
    encoded = {name: text.encode() for name, text in parts.items()}
    encoded["xl/media/image1.png"] = png()
    return encoded


def load_workbook(path: Path, **options: bool) -> openpyxl.Workbook:
    """The saved workbook as openpyxl reads it (it warns that it ignores the extensions)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, **options)


def write_package(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cells(sheet_xml: bytes) -> dict[str, bytes]:
    """Each cell of a sheet, parsed and written out again (so equal cells compare equal)."""
    root = ElementTree.fromstring(sheet_xml)
    return {cell.get("r", ""): ElementTree.tostring(cell) for cell in root.iter(f"{{{MAIN}}}c")}


def changed_parts(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    assert list(after) == list(before), "parts were added, left out or reordered"
    return {name for name in before if before[name] != after[name]}


def test_a_run_keeps_every_part_a_teacher_put_in(tmp_path, sandbox):
    path = write_package(tmp_path / "pupils.xlsx", teacher_parts())
    before = read_parts(path)
    assert save_risks(open_workbook(path)) == []

    workflow = Workflow.open(path)
    plan = workflow.plan(workflow.check())
    with CanvasClient(sandbox.url, sandbox.token) as client:
        outcome = workflow.run(plan, client, RunOptions(backoff_base=0.01, backoff_cap=0.05))
    assert outcome.stopped is None
    workflow.apply(outcome.summary.results)
    workflow.save()

    after = read_parts(path)
    assert changed_parts(before, after) == {
        "xl/worksheets/sheet1.xml",
        "xl/styles.xml",
        "xl/tables/table1.xml",
    }
    old, new = cells(before["xl/worksheets/sheet1.xml"]), cells(after["xl/worksheets/sheet1.xml"])
    written = {f"{column}{row}" for column in "GHIJ" for row in range(1, 5)} - {"I4"}
    assert set(new) - set(old) == written  # Yuki's row failed: no Canvas Login ID
    assert {ref: new[ref] for ref in old} == old  # the teacher's cells, rich text included
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    assert EXTENSIONS in sheet and CONTROLS in sheet  # sparklines, data bars, the button
    assert sheet.startswith(DECLARATION) and 'mc:Ignorable="x14ac xr xr2 xr3"' in sheet

    table = ElementTree.fromstring(after["xl/tables/table1.xml"])
    assert table.get("ref") == "A1:J4"
    assert table.find(f"{{{MAIN}}}autoFilter").get("ref") == "A1:J4"
    names = [c.get("name") for c in table.iter(f"{{{MAIN}}}tableColumn")]
    assert names[6:] == ["Status", "Message", "Canvas Login ID", "Processed At"]
    assert [int(c.get("id")) for c in table.iter(f"{{{MAIN}}}tableColumn")] == list(range(1, 11))

    book = load_workbook(path)
    ws = book["Pupils"]
    assert [ws.cell(1, c).value for c in range(7, 11)] == names[6:]
    assert ws["G1"].font.bold and ws["G1"].fill.fgColor.rgb == "FF2F5597"
    assert [ws[f"G{r}"].value for r in (2, 3, 4)] == ["Created", "Already exists", "Failed"]
    login_id = ws["I2"]
    assert isinstance(login_id.value, int) and login_id.number_format == "0"
    processed = ws["J2"]
    assert isinstance(processed.value, dt.datetime)
    assert processed.number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws.column_dimensions["H"].width == 60
    assert book["Lookup"]["B1"].value == "=LEN(A1)"
    reread = Workflow.open(path).table
    assert [reread.status(r) for r in range(3)] == ["Created", "Already exists", "Failed"]
    assert reread.value(0, Role.CANVAS_LOGIN_ID) == str(login_id.value)
    assert reread.value(1, Role.TEACHER) == "Mr. Okafor"


def test_a_second_save_changes_only_the_cells_it_writes(tmp_path):
    path = write_package(tmp_path / "pupils.xlsx", teacher_parts(table=False, auto_filter=True))
    doc = open_workbook(path)
    apply_results(doc.table, [RowResult(0, Status.CREATED, "Made.", "907", STAMP)])
    save_workbook(doc)
    first = read_parts(path)
    sheet = first["xl/worksheets/sheet1.xml"].decode()
    assert '<autoFilter ref="A1:J4" xr:uid=' in sheet  # widened over the new columns
    assert '<dimension ref="A1:J4"/>' in sheet

    doc.table.set_cell(2, doc.table.columns[Role.NEW_LOGIN], "yuki.tanaka")
    save_workbook(doc)
    second = read_parts(path)
    assert changed_parts(first, second) == {"xl/worksheets/sheet1.xml"}
    old, new = cells(first["xl/worksheets/sheet1.xml"]), cells(second["xl/worksheets/sheet1.xml"])
    assert {ref for ref in old if old[ref] != new[ref]} == {"D4"}
    assert load_workbook(path)["Pupils"]["D4"].value == "yuki.tanaka"


def test_writing_over_a_shared_formula_keeps_the_cells_that_shared_it(tmp_path):
    """Overwriting the cell that holds a shared formula writes it out in the cells that
    used it, and (a formula gone) leaves out Excel's calculation chain."""
    parts = teacher_parts(table=False, formulas=True)
    path = write_package(tmp_path / "formulas.xlsx", parts)
    before = read_parts(path)
    doc = open_workbook(path)
    column = doc.table.headers.index("Name length")
    doc.table.set_cell(0, column, "twelve")
    save_workbook(doc)

    after = read_parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    unchanged = set(before) - {
        "xl/calcChain.xml",
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
    }
    assert all(before[name] == after[name] for name in unchanged)
    ws = load_workbook(path)["Pupils"]
    assert [ws[f"G{r}"].value for r in (2, 3, 4)] == ["twelve", "=LEN(A3)", "=LEN(A4)"]
    values = load_workbook(path, data_only=True)["Pupils"]
    assert [values[f"G{r}"].value for r in (3, 4)] == [13, 11]


def test_a_file_that_cannot_be_edited_in_place_is_saved_only_to_a_copy(tmp_path):
    """A sheet part the editor does not expect (here: written in UTF-16) would go through
    openpyxl, which drops the teacher's extras: the risks are named before a run, the
    file is never overwritten, and a copy gets the results."""
    parts = teacher_parts(table=False)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace('"UTF-8"', '"UTF-16"').encode("utf-16")
    path = write_package(tmp_path / "pupils.xlsx", parts)
    original = path.read_bytes()
    doc = open_workbook(path)
    risks = save_risks(doc)
    assert risks[:4] == [
        "pictures (they may change)",
        "text boxes and shapes",
        "form buttons, check boxes and other controls",
        "sparklines",
    ]
    assert "mixed formatting inside cells (rich text)" in risks
    apply_results(doc.table, [RowResult(0, Status.CREATED, "Made.", "907", STAMP)])

    with pytest.raises(SaveElsewhereError) as refused:
        save_workbook(doc)
    assert "sparklines" in refused.value.message and "new file" in refused.value.message
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["pupils.xlsx"]

    copy = save_workbook(doc, tmp_path / "pupils (results).xlsx")
    assert path.read_bytes() == original
    assert Workflow.open(copy).table.status(0) == "Created"


def test_text_is_stored_as_text_as_excel_spells_it(tmp_path):
    path = write_package(tmp_path / "pupils.xlsx", teacher_parts(table=False))
    doc = open_workbook(path)
    table = doc.table
    written = {
        Role.FULL_NAME: "  Zoë _x0041_ Dubois ",  # Excel's escape spelled out, spaces kept
        Role.TEACHER: '=HYPERLINK("http://x")',
        Role.SIS_USER_ID: "0045599",  # already in the Text format: it stays so
    }
    for role, text in written.items():
        table.set_cell(0, table.columns[role], text)
    table.set_value(1, Role.CANVAS_LOGIN_ID, "0042")  # no number: text that stays text
    table.set_value(0, Role.MESSAGE, "-1 is not an id")
    save_workbook(doc)

    sheet = read_parts(path)["xl/worksheets/sheet1.xml"].decode()
    assert (
        '<c r="A2" t="inlineStr"><is><t xml:space="preserve">  Zoë _x005F_x0041_ Dubois </t>'
        in sheet
    )
    assert '<c r="C2" s="2" t="inlineStr"><is><t>0045599</t></is></c>' in sheet
    ws = load_workbook(path)["Pupils"]
    assert ws["B2"].value == '=HYPERLINK("http://x")' and ws["B2"].data_type == "s"
    for cell in (ws["B2"], ws["I3"], ws["H2"]):  # what Excel would turn into a formula or number
        assert cell.data_type == "s" and cell.number_format == "@"
    assert ws["I3"].value == "0042"
    reread = open_workbook(path).table
    for role, text in written.items():
        expected = text.strip() if role is not Role.FULL_NAME else text
        assert reread.value(0, role) == expected
    assert reread.value(1, Role.CANVAS_LOGIN_ID) == "0042"


OPEN_XML_SDK_SHEET = (
    f'<?xml version="1.0" encoding="utf-8"?><x:worksheet xmlns:x="{MAIN}">'
    '<x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>SIS User ID</x:t></x:is></x:c>'
    '<x:c t="inlineStr"><x:is><x:t>New Login</x:t></x:is></x:c><x:c t="inlineStr"><x:is>'
    '<x:t>Notes</x:t></x:is></x:c></x:row><x:row><x:c t="inlineStr"><x:is><x:t>0045510'
    '</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>ava.k</x:t></x:is></x:c></x:row>'
    '<x:row><x:c t="inlineStr"><x:is><x:t>0045511</x:t></x:is></x:c><x:c t="inlineStr">'
    '<x:is><x:t>liam.o</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>twin</x:t></x:is>'
    "</x:c></x:row></x:sheetData></x:worksheet>"
)


def minimal_parts(sheet: str, *, date1904: bool = False) -> dict[str, bytes]:
    """A workbook as programs other than Excel write it: no styles, no shared strings."""
    properties = '<workbookPr date1904="1"/>' if date1904 else ""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override '
        'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="R1" '
        f'Type="{REL}/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{properties}<sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="R1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="R1" '
        f'Type="{REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    return {name: text.encode() for name, text in parts.items()}


def test_a_sheet_with_prefixed_tags_and_no_cell_references(tmp_path):
    """Open XML SDK writes ``x:`` prefixes and may leave out row and cell references; a
    workbook with no styles part gets its date and number as text."""
    path = write_package(tmp_path / "export.xlsx", minimal_parts(OPEN_XML_SDK_SHEET))
    before = read_parts(path)
    doc = open_workbook(path)
    apply_results(
        doc.table,
        [
            RowResult(0, Status.CREATED, "Made.", "907", STAMP),
            RowResult(1, Status.FAILED, "Taken.", "", STAMP),
        ],
    )
    doc.table.set_cell(1, 2, "twins")
    save_workbook(doc)

    after = read_parts(path)
    assert changed_parts(before, after) == {"xl/worksheets/sheet1.xml"}
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count("<x:row") == 3 and "<row" not in sheet and "<c " not in sheet
    ws = load_workbook(path).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        [
            "SIS User ID",
            "New Login",
            "Notes",
            "Status",
            "Message",
            "Canvas Login ID",
            "Processed At",
        ],
        ["0045510", "ava.k", None, "Created", "Made.", "907", STAMP],
        ["0045511", "liam.o", "twins", "Failed", "Taken.", None, STAMP],
    ]
    assert open_workbook(path).table.value(0, Role.PROCESSED_AT) == STAMP


def test_processed_at_in_a_workbook_counting_dates_from_1904(tmp_path):
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>SIS '
        'User ID</t></is></c><c r="B1" t="inlineStr"><is><t>New Login</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>0045510</t></is></c><c r="B2" '
        't="inlineStr"><is><t>ava.k</t></is></c></row></sheetData></worksheet>'
    )
    parts = minimal_parts(sheet, date1904=True)
    parts["xl/styles.xml"] = teacher_parts()["xl/styles.xml"]
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="R2" Type="{REL}/styles" Target="styles.xml"/>'.encode()
        + b"</Relationships>",
    )
    path = write_package(tmp_path / "mac.xlsx", parts)
    doc = open_workbook(path)
    apply_results(doc.table, [RowResult(0, Status.CREATED, "Made.", "907", STAMP)])
    save_workbook(doc)
    ws = load_workbook(path).active
    assert ws["F2"].value == dt.datetime(2026, 5, 9, 10, 15) and ws["E2"].value == 907
    assert open_workbook(path).table.value(0, Role.PROCESSED_AT) == STAMP


def test_cells_go_into_rows_the_sheet_does_not_have_yet():
    from core.workbook.sheet_part import SheetEditor

    editor = SheetEditor(f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode())
    editor.write(3, 2, "b3", 0)
    editor.write(1, 1, 42, 5)
    rows = ElementTree.fromstring(editor.render()).iter(f"{{{MAIN}}}row")
    assert [(row.get("r"), [c.get("r") for c in row]) for row in rows] == [
        ("1", ["A1"]),
        ("3", ["B3"]),
    ]
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="2"><c r="C2"><v>1</v></c></row>'
        '<row r="5" spans="2:2"><c r="B5"><v>2</v></c></row></sheetData></worksheet>'
    ).encode()
    editor = SheetEditor(sheet)
    for row, column in ((1, 1), (3, 1), (5, 4), (5, 1), (7, 1)):
        editor.write(row, column, "x", 0)
    root = ElementTree.fromstring(editor.render())
    assert [
        (row.get("r"), row.get("spans"), [c.get("r") for c in row])
        for row in root.iter(f"{{{MAIN}}}row")
    ] == [
        ("1", None, ["A1"]),
        ("2", None, ["C2"]),
        ("3", None, ["A3"]),
        ("5", "1:4", ["A5", "B5", "D5"]),
        ("7", None, ["A7"]),
    ]
