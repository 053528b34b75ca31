"""``HUONG_DAN.txt``: how an auditor checks an evidence pack by hand (Vietnamese),
with tools planwatch did not write: ``bagit.py``, ``sha256sum`` and ``minisign``."""

from __future__ import annotations

from planwatch.reporting.evidence_bag import BAG_INFO, KEYS, MANIFEST, SIGNATURE, TAG_MANIFEST


def _signature_text(key_id: str | None) -> str:
    if key_id is None:
        return ("Chữ ký:       CHƯA KÝ — khi tạo gói này chưa cấu hình khoá ký của Sở.\n"
                "              Các mã SHA-256 chỉ chứng minh các tệp khớp với nhau; nguồn\n"
                "              gốc của gói chỉ kiểm tra được qua chuỗi đã ghi trong kho dữ\n"
                "              liệu (bảng audit.evidence_packs).")
    return (f"Chữ ký:       khoá của Sở, mã khoá {key_id} (minisign, Ed25519)\n"
            f"              chữ ký: {SIGNATURE}")


def _minisign_step(key_id: str | None) -> str:
    if key_id is None:
        return """3. Chữ ký: gói này CHƯA KÝ, nên không có bước kiểm tra bằng minisign. Hãy
   so mã SHA-256 của tagmanifest-sha256.txt với mã Sở đã ghi nhận cho gói
   (bảng audit.evidence_packs, cột manifest_sha256):

       sha256sum tagmanifest-sha256.txt"""
    return f"""3. Chữ ký của Sở (chứng minh gói do Sở tạo ra):

       minisign -Vm {TAG_MANIFEST} -p {key_id}.pub

   trong đó {key_id}.pub là khoá công khai mã {key_id} lấy từ danh sách khoá
   công khai Sở đã công bố — KHÔNG dùng bản sao {KEYS}/{key_id}.pub trong gói
   mà không đối chiếu: người sửa gói cũng có thể thay bản sao đó. Kết quả phải
   là "Signature and comment signature verified"; dòng "Trusted comment" nêu
   kế hoạch, đơn vị, kỳ báo cáo và mã khoá của gói."""


def guide_text(*, plan_code: str, agency_code: str, agency_name_vi: str, period: str,
               created_at: str, created_by: str, dbt_included: bool,
               key_id: str | None) -> str:
    dbt_line = ("data/dbt/run_results.json kết quả lần chạy dbt build gần nhất (dựng các "
                "bảng mart)" if dbt_included else
                "(không có data/dbt/run_results.json: không tìm thấy kết quả lần chạy dbt "
                "build gần nhất; data/pack.json ghi rõ điều này)")
    return f"""HƯỚNG DẪN KIỂM TRA GÓI CHỨNG CỨ (planwatch)
============================================

Kế hoạch:     {plan_code}
Đơn vị:       {agency_code} — {agency_name_vi}
Kỳ báo cáo:   {period}
Tạo lúc:      {created_at}
Người tạo:    {created_by}
{_signature_text(key_id)}

Gói này chứa mọi thứ kho dữ liệu đang lưu về các báo cáo mà đơn vị đã gửi cho kỳ
báo cáo trên — tất cả các phiên bản, kể cả bản bị từ chối, bản bị thay thế và bản
gửi trùng — để kiểm tra độc lập, không cần kết nối tới kho dữ liệu.

Gói được sắp xếp theo chuẩn lưu trữ BagIt (RFC 8493).

NỘI DUNG
--------
data/files/               tệp gốc đơn vị đã gửi, đúng từng byte như đã lưu trữ
                          (tên tệp là mã SHA-256 của nội dung)
data/receipts/            biên nhận đã gửi cho đơn vị (HTML và JSON)
data/submissions/<mã>/submission.json
                          bản ghi của lần nộp trong audit.submissions (trạng thái,
                          phiên bản, lý do từ chối, mã SHA-256 của tệp...)
data/submissions/<mã>/validation_results.csv
                          kết quả kiểm tra dữ liệu (Great Expectations) của lần nộp
data/submissions/<mã>/raw_rows.csv
                          các dòng dữ liệu như đã nạp vào kho (raw.*), mỗi dòng có
                          số dòng trong tệp gốc (source_row)
data/marts/*.csv          các dòng của bảng mart (fct_*) lấy số liệu từ các lần nộp
                          trên (cột submission_id; source_row là dòng của tệp gốc)
{dbt_line}
data/code_version.json    phiên bản phần mềm planwatch (và mã commit git nếu có)
data/pack.json            mỗi tệp trên thuộc lần nộp nào, là gì
bagit.txt                 phiên bản chuẩn BagIt
{BAG_INFO:<25} gói này của ai, kỳ nào, ai tạo, lúc nào; mã SHA-256 của gói
                          trước của cùng đơn vị (Planwatch-Previous-Pack-Sha256,
                          "none" nếu là gói đầu tiên); mã khoá ký
{MANIFEST:<25} mã SHA-256 của mọi tệp trong data/
{TAG_MANIFEST:<25} mã SHA-256 của bagit.txt, bag-info.txt,
                          manifest-sha256.txt, HUONG_DAN.txt và khoá công khai
{SIGNATURE}
                          chữ ký của Sở trên tagmanifest-sha256.txt (nếu đã ký)
{KEYS}/<mã khoá>.pub          bản sao khoá công khai đã ký gói (nếu đã ký)
HUONG_DAN.txt             tệp này

Các tệp CSV mã hoá UTF-8 (có BOM), mở trực tiếp bằng Excel được.

BA CÁCH KIỂM TRA ĐỘC LẬP (không cần planwatch)
---------------------------------------------
Mở cửa sổ dòng lệnh trong thư mục của gói (cd <thư mục gói>), rồi:

1. Kiểm tra gói theo chuẩn BagIt (công cụ bagit.py của Thư viện Quốc hội Hoa Kỳ,
   cài bằng "pip install bagit"):

       bagit.py --validate .

   Kết quả phải là "... is valid".

2. Kiểm tra mã SHA-256 của từng tệp:

       sha256sum -c manifest-sha256.txt
       sha256sum -c tagmanifest-sha256.txt

   Mọi dòng phải kết thúc bằng "OK". Một dòng "FAILED" hoặc "No such file" nghĩa
   là tệp đó đã bị thay đổi hoặc bị mất. Không được có tệp nào trong data/ mà
   manifest-sha256.txt không liệt kê.
   Trên Windows: certutil -hashfile <tệp> SHA256, rồi so với dòng tương ứng.

{_minisign_step(key_id)}

LƯU Ý: bước 1 và 2 chỉ chứng minh các tệp khớp với danh mục của chính gói. Người
sửa một tệp rồi tính lại mọi mã SHA-256 và danh mục (ví dụ bằng bagit.py) sẽ vẫn
qua bước 1 và 2. Chỉ chữ ký của Sở (bước 3) — hoặc mã của gói đã ghi trong kho
dữ liệu — chứng minh gói đúng là gói Sở đã tạo ra và chưa bị sửa.

Chuỗi các gói: Planwatch-Previous-Pack-Sha256 trong bag-info.txt phải bằng mã
SHA-256 của tagmanifest-sha256.txt của gói trước của cùng đơn vị và kế hoạch.

KIỂM TRA BẰNG PLANWATCH
-----------------------
    planwatch evidence --verify <thư mục gói> [--previous <thư mục gói trước>]
                       [--keys <thư mục khoá công khai đã công bố>]

Lệnh tính lại mọi mã SHA-256, báo từng tệp bị sửa, bị mất hoặc bị thêm, kiểm
tra chữ ký với khoá công khai đã công bố và mắt xích với gói trước, và trả về mã
lỗi khác 0 nếu có sai lệch. Gói chưa ký được báo là "chưa ký".
"""
