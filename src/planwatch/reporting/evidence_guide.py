"""``HUONG_DAN.txt``: how an auditor checks an evidence pack by hand (Vietnamese)."""

from __future__ import annotations


def guide_text(*, plan_code: str, agency_code: str, agency_name_vi: str, period: str,
               created_at: str, created_by: str, dbt_included: bool) -> str:
    dbt_line = ("dbt/run_results.json      kết quả lần chạy dbt build gần nhất (dựng các "
                "bảng mart)" if dbt_included else
                "(không có dbt/run_results.json: không tìm thấy kết quả lần chạy dbt build "
                "gần nhất; manifest.json ghi rõ điều này)")
    return f"""HƯỚNG DẪN KIỂM TRA GÓI CHỨNG CỨ (planwatch)
============================================

Kế hoạch:     {plan_code}
Đơn vị:       {agency_code} — {agency_name_vi}
Kỳ báo cáo:   {period}
Tạo lúc:      {created_at}
Người tạo:    {created_by}

Gói này chứa mọi thứ kho dữ liệu đang lưu về các báo cáo mà đơn vị đã gửi cho kỳ
báo cáo trên — tất cả các phiên bản, kể cả bản bị từ chối, bản bị thay thế và bản
gửi trùng — để kiểm tra độc lập, không cần kết nối tới kho dữ liệu.

NỘI DUNG
--------
files/                    tệp gốc đơn vị đã gửi, đúng từng byte như đã lưu trữ
                          (tên tệp là mã SHA-256 của nội dung)
receipts/                 biên nhận đã gửi cho đơn vị (HTML và JSON)
submissions/<mã>/submission.json
                          bản ghi của lần nộp trong audit.submissions (trạng thái,
                          phiên bản, lý do từ chối, mã SHA-256 của tệp...)
submissions/<mã>/validation_results.csv
                          kết quả kiểm tra dữ liệu (Great Expectations) của lần nộp
submissions/<mã>/raw_rows.csv
                          các dòng dữ liệu như đã nạp vào kho (raw.*), mỗi dòng có
                          số dòng trong tệp gốc (source_row)
marts/*.csv               các dòng của bảng mart (fct_*) lấy số liệu từ các lần nộp
                          trên (cột submission_id; source_row là dòng của tệp gốc)
{dbt_line}
code_version.json         phiên bản phần mềm planwatch (và mã commit git nếu có)
HUONG_DAN.txt             tệp này
manifest.json             danh mục mọi tệp nêu trên với mã SHA-256 và kích thước;
                          previous_manifest_sha256 là mã của manifest gói trước của
                          cùng đơn vị (null nếu đây là gói đầu tiên)
manifest.sha256           mã SHA-256 của manifest.json
SHA256SUMS                mã SHA-256 của mọi tệp (kể cả manifest.json), theo định
                          dạng của lệnh sha256sum

Các tệp CSV mã hoá UTF-8 (có BOM), mở trực tiếp bằng Excel được.

CÁCH KIỂM TRA THỦ CÔNG (không cần planwatch)
-------------------------------------------
1. Mở cửa sổ dòng lệnh trong thư mục của gói và chạy:

       sha256sum -c SHA256SUMS

   Mọi dòng phải kết thúc bằng "OK". Một dòng "FAILED" hoặc "No such file" nghĩa
   là tệp đó đã bị thay đổi hoặc bị mất.
   Trên Windows: certutil -hashfile <tệp> SHA256, rồi so với dòng tương ứng.

2. Kiểm tra manifest:

       sha256sum -c manifest.sha256

   và so mã này với mã Sở Kế hoạch và Đầu tư đã ghi nhận cho gói
   (bảng audit.evidence_packs, cột manifest_sha256).

3. Không có tệp thừa: mọi tệp trong thư mục (trừ manifest.json, manifest.sha256,
   SHA256SUMS) phải có tên trong mục "files" của manifest.json.

4. Tệp gốc: mã SHA-256 của mỗi tệp trong files/ phải bằng giá trị file_sha256
   trong submissions/<mã>/submission.json tương ứng.

5. Chuỗi các gói: previous_manifest_sha256 trong manifest.json phải bằng nội dung
   manifest.sha256 của gói trước của cùng đơn vị và kế hoạch.

KIỂM TRA BẰNG PLANWATCH
-----------------------
    planwatch evidence --verify <thư mục gói> [--previous <thư mục gói trước>]

Lệnh tính lại mọi mã SHA-256 và kích thước, báo từng tệp bị sửa, bị mất hoặc bị
thêm, kiểm tra mắt xích với gói trước, và trả về mã lỗi khác 0 nếu có sai lệch.
"""
