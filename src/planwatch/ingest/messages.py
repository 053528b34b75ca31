"""What the parser tells a clerk, in one table: code -> severity, problem, fix.

Codes are stable English (machines, tests, audit queries); messages are
Vietnamese (the agency reads them in its receipt). ``{placeholders}`` are
filled from the keyword arguments of ``problem``.
"""

from __future__ import annotations

from typing import Any

from planwatch.text import number_vi
from planwatch.vocabulary.parsed import ParsedFile, file_kind
from planwatch.vocabulary.problems import MessageTable, Problem, problem_from
from planwatch.vocabulary.templates import CSV_SUFFIXES, SHEET_NAMES_VI

_SHEETS = ", ".join(f"'{name}'" for name in SHEET_NAMES_VI.values())
# How a CSV file is named (submission-format.md), as agencies are told.
CSV_NAME_RULE = f"<MÃ ĐƠN VỊ>_<YYYY-MM>_<{'|'.join(CSV_SUFFIXES.values())}>.csv"
_RESAVE = ("Mở tệp bằng Excel, chọn File > Save As, lưu dạng 'Excel Workbook (*.xlsx)' "
           "rồi gửi lại.")
_RESAVE_ANY = ("Mở tệp bằng Excel hoặc LibreOffice Calc, chọn Lưu thành (Save As) dạng "
               "'Excel Workbook (*.xlsx)', 'Excel 97-2003 (*.xls)' hoặc 'ODF Spreadsheet "
               "(*.ods)' rồi gửi lại; tệp xuất từ phần mềm hay trang web cũng cần mở và lưu "
               "lại như vậy trước khi gửi.")
# What a file really holds when its suffix says otherwise (the inspectors' detail).
CONTENT_VI = {
    "zip": "một tệp nén (có thể là tệp .xlsx hoặc .ods bị đổi đuôi)",
    "xlsx": "một tệp Excel .xlsx bị đổi đuôi",
    "ole": "một tệp Office 97-2003 khác (có thể là tệp .doc hoặc .xls bị đổi đuôi)",
    "html": "một trang web (HTML), thường do phần mềm hay trang web xuất ra",
    "xml": "một tệp XML (có thể là 'XML Spreadsheet 2003')",
    "text": "văn bản thuần (có thể là tệp CSV bị đổi đuôi)",
    "empty": "rỗng",
    "other": "không phải bảng tính",
}

MESSAGES: MessageTable = {
    # -- the file as a whole --------------------------------------------------
    "empty_file": ("block", "Tệp rỗng (0 byte).", "Gửi lại tệp báo cáo có nội dung."),
    "unsupported_file_type": (
        "block", "Loại tệp '{suffix}' không được tiếp nhận.",
        "Gửi báo cáo dạng Excel (.xlsx hoặc .xls) hay LibreOffice (.ods) theo biểu mẫu, "
        f"hoặc CSV theo mẫu tên {CSV_NAME_RULE}."),
    "file_too_large": (
        "block", "Tệp quá lớn ({size_mb} MB; tối đa {max_mb} MB).",
        "Chỉ gửi các sheet của biểu mẫu; xóa hình ảnh, sheet nháp và định dạng thừa."),
    "not_xlsx": ("block", "Tệp có đuôi .xlsx nhưng không phải tệp Excel .xlsx thật.",
                 _RESAVE),
    "xls_or_encrypted": (
        "block", "Tệp có đuôi .xlsx nhưng là định dạng Excel 97-2003 (.xls) hoặc được đặt "
        "mật khẩu, hệ thống không đọc được.",
        "Bỏ mật khẩu (nếu có). " + _RESAVE),
    "not_xls": (
        "block", "Tệp có đuôi .xls nhưng không phải tệp Excel 97-2003 thật: nội dung là "
        "{content}.", _RESAVE_ANY),
    "not_ods": (
        "block", "Tệp có đuôi .ods nhưng không phải bảng tính LibreOffice (OpenDocument) thật: "
        "nội dung là {content}.", _RESAVE_ANY),
    "corrupt_xls": (
        "block", "Tệp Excel 97-2003 (.xls) bị hỏng hoặc không đầy đủ (có thể tải lên bị lỗi).",
        "Mở lại tệp gốc bằng Excel hoặc LibreOffice, lưu lại và gửi lại."),
    "encrypted_file": (
        "block", "Tệp được đặt mật khẩu, hệ thống không đọc được.",
        "Bỏ mật khẩu (File > Info > Protect Workbook), lưu lại rồi gửi lại."),
    "corrupt_zip": ("block", "Tệp bảng tính bị hỏng hoặc không đầy đủ (có thể tải lên bị lỗi).",
                    "Mở lại tệp gốc bằng Excel, lưu lại và gửi lại."),
    "corrupt_xml": ("block", "Nội dung bên trong tệp bảng tính bị hỏng, không đọc được.",
                    "Mở lại tệp gốc bằng Excel, lưu lại và gửi lại."),
    "zip_bomb": (
        "block", "Tệp bảng tính có cấu trúc nén bất thường (kích thước khi giải nén quá lớn).",
        "Tạo lại tệp từ biểu mẫu gốc, chỉ giữ các sheet báo cáo, rồi gửi lại."),
    "xml_entities": (
        "block", "Tệp bảng tính chứa khai báo XML không được phép (DOCTYPE/ENTITY).",
        "Tạo lại tệp từ biểu mẫu gốc bằng Excel rồi gửi lại."),
    "sheet_too_large": (
        "block", "Sheet '{sheet}' có vùng dữ liệu quá lớn ({detail}).",
        "Xóa các dòng, cột thừa ở cuối sheet (hoặc chép dữ liệu sang biểu mẫu mới) "
        "rồi gửi lại."),
    "parse_timeout": ("block", "Đọc tệp quá thời gian cho phép ({seconds} giây).",
                      "Chỉ giữ các sheet của biểu mẫu; xóa dữ liệu thừa rồi gửi lại."),
    "parse_crashed": (
        "block", "Không đọc được tệp: tệp làm chương trình đọc dừng bất thường "
        "(vượt giới hạn bộ nhớ hoặc cấu trúc hỏng).",
        "Tạo lại tệp từ biểu mẫu gốc, chỉ giữ các sheet báo cáo, rồi gửi lại."),
    "parse_failed": (
        "block", "Hệ thống gặp lỗi khi đọc tệp này; cán bộ Sở Kế hoạch và Đầu tư đã được "
        "báo để kiểm tra.",
        "Không cần gửi lại ngay; nếu cần gấp, tạo lại tệp từ biểu mẫu gốc và gửi lại."),
    "not_csv": ("block", "Tệp có đuôi .csv nhưng không phải tệp văn bản CSV.",
                "Lưu lại bằng Excel dạng 'CSV UTF-8 (Comma delimited)' hoặc gửi tệp .xlsx."),
    "csv_encoding_broken": (
        "block", "Tệp CSV ghi là mã Unicode (có BOM) nhưng từ dòng {detail} có ký tự sai mã "
        "(có thể tệp được ghép từ nhiều bảng mã).",
        "Mở tệp bằng Excel, kiểm tra chữ tiếng Việt ở dòng {detail}, lưu lại dạng "
        "'CSV UTF-8 (Comma delimited)' rồi gửi lại."),
    "not_text": ("block", "Tệp CSV chứa ký tự không phải văn bản.",
                 "Lưu lại bằng Excel dạng 'CSV UTF-8 (Comma delimited)'."),
    "no_data_sheet": (
        "block", f"Không tìm thấy sheet dữ liệu nào ({_SHEETS}).",
        f"Dùng đúng biểu mẫu; giữ nguyên tên các sheet {_SHEETS}."),
    "unknown_csv_template": (
        "block", "Không xác định được tệp CSV thuộc biểu nào.",
        f"Đặt tên tệp theo mẫu {CSV_NAME_RULE} "
        "và giữ nguyên dòng tiêu đề cột."),
    "legacy_encoding": (
        "warn", "Tệp dùng bảng mã cũ ({encoding}); hệ thống đã tự chuyển sang Unicode.",
        "Lần sau dùng phông chữ Unicode (Times New Roman) và bảng mã Unicode."),
    # -- sheets ---------------------------------------------------------------
    "hidden_sheet_ignored": (
        "warn", "Sheet '{sheet}' đang bị ẩn nên không được đọc.",
        "Nếu sheet này chứa số liệu báo cáo, bỏ ẩn (Unhide) và gửi lại."),
    "sheet_ignored": (
        "warn", "Sheet '{sheet}' không thuộc biểu mẫu nên không được đọc.",
        "Nếu sheet này chứa số liệu báo cáo, đổi tên sheet cho đúng biểu mẫu."),
    "duplicate_sheet": (
        "warn", "Có nhiều sheet cho cùng biểu '{template_vi}'; chỉ đọc sheet '{used}'.",
        "Xóa sheet trùng, chỉ giữ một sheet cho mỗi biểu."),
    "header_not_found": (
        "block", "Không tìm thấy dòng tiêu đề cột của sheet '{sheet}'.",
        "Giữ nguyên dòng tiêu đề cột của biểu mẫu (ví dụ: '{code_header}')."),
    "missing_required_column": (
        "block", "Thiếu cột bắt buộc '{column}'.",
        "Thêm cột '{column}' với tiêu đề đúng như biểu mẫu và điền số liệu."),
    "duplicate_column": (
        "warn", "Cột '{column}' trùng nội dung với một cột khác đã được đọc nên bị bỏ qua.",
        "Xóa cột trùng (kể cả cột đang bị ẩn)."),
    "period_mismatch_in_sheet": (
        "block", "Kỳ báo cáo ghi trong sheet '{sheet}' ({value}) khác kỳ báo cáo của tệp "
        "({expected}).",
        "Sửa cho thống nhất kỳ báo cáo trong toàn bộ tệp."),
    # -- cells ----------------------------------------------------------------
    "not_a_number": (
        "block", "Giá trị '{value}' không phải là số.",
        "Ghi một số (ví dụ 55.000 hoặc 1,76); để trống nếu chưa có số liệu."),
    "number_too_large": (
        "block", "Giá trị '{value}' quá lớn, không thể là số liệu báo cáo.",
        "Kiểm tra lại số và đơn vị tính (triệu đồng, tỷ đồng hay đồng)."),
    "excel_error": (
        "block", "Ô chứa lỗi công thức Excel '{value}'.",
        "Sửa công thức hoặc ghi trực tiếp giá trị số."),
    "percent_in_money": (
        "block", "Cột tiền ghi tỷ lệ phần trăm '{value}'.",
        "Ghi số tiền (đơn vị {unit_vi}) vào cột này; tỷ lệ ghi ở cột 'Tỷ lệ giải ngân (%)'."),
    "formula_not_calculated": (
        "block", "Ô có công thức '{value}' nhưng tệp không lưu kết quả tính, nên không biết "
        "giá trị.",
        "Mở tệp bằng Excel (Excel tự tính lại công thức), lưu lại rồi gửi lại; hoặc ghi "
        "trực tiếp giá trị số."),
    "recomputed_value_ignored": (
        "warn", "Giá trị '{value}' ở cột '{column}' không đọc được nên được bỏ qua; hệ thống "
        "tự tính lại cột này từ kế hoạch vốn và số giải ngân.",
        "Có thể để trống cột này; nếu dùng công thức, sửa lỗi công thức (ví dụ chia cho 0)."),
    "ambiguous_number": (
        "warn", "Số '{value}' có thể hiểu hai cách; hệ thống hiểu là {read_as} ({how}).",
        "Ghi số theo một kiểu thống nhất: dấu chấm ngăn cách hàng nghìn, dấu phẩy "
        "ngăn cách phần thập phân (ví dụ 55.000 và 1,76), hoặc nhập số trực tiếp."),
    "approximate_number": (
        "warn", "Giá trị '{value}' là số ước lượng; hệ thống ghi nhận {read_as}.",
        "Ghi số cụ thể; nếu là số ước tính, ghi 'Ước tính' ở cột 'Tính chất số liệu'."),
    "money_rounded": (
        "warn", "Số tiền '{value}' lẻ dưới 1 đồng; đã làm tròn thành {read_as} đồng.",
        "Kiểm tra lại đơn vị tính của cột tiền."),
    "not_a_date": (
        "block", "Giá trị '{value}' không phải là ngày hợp lệ.",
        "Ghi ngày theo dạng ngày/tháng/năm, ví dụ 05/03/2024."),
}


def problem(code: str, **fields: Any) -> Problem:
    return problem_from(MESSAGES, code, **fields)


def too_large(size: int, max_bytes: int) -> Problem:
    """``Tệp quá lớn (1,1 MB; tối đa 1 MB).``: sizes in MB, written as Vietnamese write them."""
    return problem("file_too_large", size_mb=number_vi(size / 2**20, 1),
                   max_mb=number_vi(max_bytes / 2**20, 0))


def unreadable(file_name: str, code: str, **fields: Any) -> ParsedFile:
    """A file nothing could be read from, with the one problem that says why."""
    parsed = ParsedFile(file_name, file_kind(file_name) or "xlsx")
    parsed.problems.append(problem(code, **fields))
    return parsed
