"""Every sentence the bot says, in one place."""

from __future__ import annotations

BOT_NAME = "Trợ lý TTHC"

START = (
    "Xin chào! Tôi là <b>{name}</b>, trợ lý tra cứu <b>thủ tục hành chính</b> và "
    "<b>kết quả cải cách hành chính</b>.\n\n"
    "Bạn cứ gõ câu hỏi như khi nhắn tin, có dấu hay không dấu đều được, ví dụ:\n"
    "• <i>lam giay khai sinh can gi</i>\n"
    "• <i>lệ phí làm hộ chiếu bao nhiêu</i>\n"
    "• <i>cccd mat lam lai o dau</i>\n"
    "• <i>An Giang PAPI 2014 xếp hạng mấy</i>\n\n"
    "Hoặc xem danh mục: /thutuc (thủ tục theo lĩnh vực), /chitieu (chỉ tiêu cải cách theo địa phương)."
)
HELP = (
    "<b>Cách dùng</b>\n"
    "• Gõ câu hỏi về một thủ tục: giấy tờ cần mang, thời hạn, lệ phí, nơi nộp.\n"
    "• Hỏi riêng một mục, ví dụ <i>khai sinh mất mấy ngày</i>, tôi sẽ trả lời mục đó trước.\n"
    "• Bấm các nút dưới câu trả lời để xem Hồ sơ, Thời hạn, Lệ phí, Nơi nộp, Căn cứ pháp lý.\n"
    "• /thutuc — danh mục thủ tục theo lĩnh vực\n"
    "• /chitieu — chỉ tiêu, kết quả cải cách hành chính theo địa phương\n"
    "• Trong nhóm: nhắc tên tôi (@{username}) kèm câu hỏi.\n"
    "• Ở bất kỳ cuộc trò chuyện nào: gõ <i>@{username} câu hỏi</i> để tìm nhanh.\n\n"
    "Thông tin chỉ để tham khảo; thủ tục chính thức theo Cổng Dịch vụ công quốc gia "
    "(dichvucong.gov.vn)."
)
COMMANDS = {
    "start": "Bắt đầu và ví dụ câu hỏi",
    "thutuc": "Danh mục thủ tục theo lĩnh vực",
    "chitieu": "Chỉ tiêu cải cách hành chính theo địa phương",
    "help": "Hướng dẫn sử dụng",
}
EXAMPLES = [
    "Làm giấy khai sinh cần gì?",
    "Lệ phí làm hộ chiếu",
    "Mất căn cước làm lại ở đâu?",
    "An Giang PAPI 2014",
]

SUGGEST = "Có phải bạn muốn hỏi một trong các thủ tục sau?"
CLARIFY = "Bạn muốn hỏi thủ tục nào?"
CLARIFY_FIELD = "Bạn muốn hỏi {part} của thủ tục nào?"
NOT_FOUND = "Xin lỗi, tôi chưa có thông tin để trả lời câu hỏi này."
NOT_FOUND_LOGGED = "Câu hỏi đã được ghi lại để bổ sung."
NOT_FOUND_SHORTER = "Bạn có thể hỏi ngắn gọn hơn, chỉ nêu tên thủ tục (ví dụ: <i>đăng ký tạm trú</i>)."
NOT_FOUND_INSTEAD = (
    "Bạn có thể tra cứu mọi thủ tục trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) "
    "hoặc xem danh mục /thutuc, /chitieu."
)
NO_FACT_INSTEAD = "Xem các chỉ tiêu, kết quả cải cách theo địa phương: /chitieu."
NEAREST = "Các mục gần nhất tôi có:"
NO_TOPIC = "Bạn muốn hỏi {part} của thủ tục nào? Hãy gõ kèm tên thủ tục, ví dụ: <i>{example}</i>."
NO_TOPIC_EXAMPLE = "lệ phí làm hộ chiếu"
NO_FACT = "Tôi chưa có số liệu đúng như câu hỏi. Số liệu hiện có:"
NO_FACT_ITEM = "• {title}: {figures}"
# What a field is called inside a sentence ("Bạn muốn hỏi lệ phí của thủ tục nào?").
PARTS = {
    "documents": "hồ sơ",
    "processing_time": "thời hạn",
    "fee": "lệ phí",
    "agency": "nơi nộp",
    "requirements": "điều kiện",
    "result": "kết quả",
    "legal_basis": "căn cứ pháp lý",
    "steps": "các bước",
    "channels": "cách nộp",
}
SMALLTALK = {
    "greeting": (
        "Xin chào! Bạn cứ gõ câu hỏi về thủ tục hành chính, ví dụ: <i>làm căn cước cần gì</i>."
    ),
    "thanks": "Không có gì ạ. Bạn cần hỏi thêm thủ tục nào cứ nhắn nhé.",
    "who": (
        "Tôi là <b>Trợ lý TTHC</b>, tra cứu thủ tục hành chính và số liệu cải cách hành chính. "
        "Thông tin chính thức theo Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)."
    ),
    "capabilities": (
        "Tôi trả lời về thủ tục hành chính: cần giấy tờ gì, mất bao lâu, lệ phí, nộp ở đâu, "
        "làm trực tuyến được không; và số liệu cải cách hành chính của các địa phương. "
        "Gõ /thutuc để xem danh mục."
    ),
    "rude": "Xin lỗi nếu câu trả lời chưa đúng ý bạn. Bạn gõ lại câu hỏi, tôi sẽ cố gắng trả lời tốt hơn.",
    "bye": "Chào bạn, hẹn gặp lại!",
    "ok": "Vâng. Bạn cần hỏi thêm gì cứ nhắn nhé.",
}
ONLINE_YES = "Có, thủ tục này nộp trực tuyến được."
ONLINE_NO = "Thủ tục này chưa nộp trực tuyến được; các cách nộp hiện có:"
EMPTY_QUESTION = "Bạn hãy gõ câu hỏi bằng chữ, ví dụ: <i>làm căn cước cần gì</i>."
NON_TEXT = (
    "Tôi chỉ đọc được tin nhắn chữ. Bạn hãy gõ câu hỏi, ví dụ: <i>đăng ký kết hôn cần giấy tờ gì</i>."
)
UNKNOWN_ENTRY = "Không tìm thấy mục này. Bạn gõ câu hỏi hoặc xem /thutuc."
STALE_BUTTON = "Nút này đã cũ, bạn hãy hỏi lại nhé."
THANKS_UP = "Cảm ơn bạn đã đánh giá!"
THANKS_DOWN = "Cảm ơn bạn, chúng tôi sẽ xem lại câu trả lời này."
SLOW_DOWN = "Bạn gửi hơi nhanh, vui lòng đợi vài giây rồi hỏi tiếp nhé."
ERROR = "Xin lỗi, đã có lỗi khi xử lý. Bạn vui lòng thử lại sau ít phút."

BROWSE_DOMAINS = "<b>Thủ tục hành chính theo lĩnh vực</b>\nChọn một lĩnh vực:"
BROWSE_DOMAIN = "<b>{domain}</b> ({count} thủ tục)\nChọn một thủ tục:"
BROWSE_LOCALITIES = "<b>Chỉ tiêu, kết quả cải cách hành chính</b>\nChọn địa phương:"
BROWSE_LOCALITY = "<b>{locality}</b> ({count} mục)\nChọn một mục:"
NATIONAL = "Toàn quốc"
BACK = "« Quay lại"
PREV = "‹ Trước"
NEXT = "Sau ›"
PAGE = "Trang {page}/{pages}"

# Section buttons and headings, in the order they are offered.
SECTIONS = {
    "summary": "Tóm tắt",
    "documents": "Hồ sơ",
    "processing_time": "Thời hạn",
    "fee": "Lệ phí",
    "agency": "Nơi nộp",
    "legal_basis": "Căn cứ pháp lý",
}
HEADINGS = {
    "documents": "📄 Hồ sơ cần chuẩn bị",
    "processing_time": "⏱ Thời hạn giải quyết",
    "fee": "💰 Phí, lệ phí",
    "agency": "🏛 Nơi nộp",
    "requirements": "✅ Yêu cầu, điều kiện",
    "result": "📌 Kết quả",
    "legal_basis": "⚖️ Căn cứ pháp lý",
    "steps": "🧭 Các bước thực hiện",
    "channels": "🌐 Cách thức nộp",
    "subjects": "👤 Đối tượng",
}
ORIGINALS = "{n} bản chính"
COPIES = "{n} bản sao"
CHECKED = "Thông tin được kiểm tra ngày {date}."
OFFICIAL = "Thông tin trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) là căn cứ chính thức."
SOURCE = "Nguồn: {source}"
# a publication date read from the events an article reports, not printed on it
DATE_INFERRED = "{date}, ngày suy ra từ nội dung bài"
TODAY = "Hiện nay: {place}"
NOTE = "Ghi chú: {note}"
# the legal basis named beside a fee or a time limit, e.g. "(theo Thông tư 75/2022/TT-BTC)"
BASIS = "(theo {documents})"
# the kind of a legal document, read from the start of its title or from its number
DOCUMENT_KINDS = ("Bộ luật", "Luật", "Nghị quyết", "Nghị định", "Thông tư liên tịch", "Thông tư", "Quyết định")
DOCUMENT_KIND_BY_NUMBER = {"NQ-": "Nghị quyết", "NĐ-": "Nghị định", "TTLT": "Thông tư liên tịch",
                           "TT-": "Thông tư", "QĐ-": "Quyết định", "QH": "Luật"}
MORE_DOCUMENTS = "… và {n} giấy tờ khác (bấm Hồ sơ)"
# national records
NATIONAL_CODE = "Mã thủ tục {code}"
NATIONAL_SOURCE = "Theo hồ sơ thủ tục trên Cổng Dịch vụ công quốc gia:"
NATIONAL_TAKEN = "Nội dung lấy ngày {date}."
NATIONAL_NO_INFO = "Cổng Dịch vụ công quốc gia chưa có thông tin."
NATIONAL_SEE_CHANNELS = "xem Cách thức nộp (bấm Nơi nộp)"
NATIONAL_FORM = "mẫu: {form}"
NATIONAL_AGENCY = "Cơ quan thực hiện"
NATIONAL_COMPETENT = "Cơ quan có thẩm quyền"
NATIONAL_AUTHORIZED = "Cơ quan được ủy quyền"
NATIONAL_ADDRESS = "Địa chỉ tiếp nhận hồ sơ"
PROVINCE_WHERE = "Tại {province}:"
PROVINCE_CENTRE = "Trung tâm Phục vụ hành chính công: {address}"
PROVINCE_PORTAL = "Cổng dịch vụ công của tỉnh"
PROVINCE_HOTLINE = "Đường dây nóng: {hotline}"
FEEDBACK_UP = "👍"
FEEDBACK_DOWN = "👎"

# -- admin ------------------------------------------------------------------------------------
UNKNOWN_COMMAND = "Tôi không hiểu lệnh này. Gõ /help để xem cách dùng."
ADMIN_COMMANDS = {
    "review": "Câu hỏi cần xem lại",
    "stats": "Thống kê (7 hoặc 30 ngày)",
    "export": "Xuất nhật ký câu hỏi (CSV nén zip)",
    "reload": "Nạp lại cơ sở tri thức",
    "undo": "Hoàn tác thao tác xem lại gần nhất",
    "cancel": "Huỷ thao tác đang chờ (gán vào mục)",
}
REVIEW_EMPTY = "✅ Không có câu hỏi nào cần xem lại."
REVIEW_HEADER = "<b>Cần xem lại</b>: {groups} nhóm, {questions} câu hỏi. Trang {page}/{pages}."
REVIEW_ITEM = "{n}. <i>{label}</i> — {count} lần ({reasons})"
REVIEW_REASONS = {"not_found": "không tìm thấy", "suggest": "gợi ý chưa chọn", "disliked": "👎"}
REVIEW_GROUP = "<b>Nhóm câu hỏi</b>: {count} lần hỏi, {texts} cách hỏi ({reasons})\n{questions}"
REVIEW_QUESTION = "• {text} — {count} lần"
REVIEW_MORE = "… và {count} lần hỏi khác cùng nhóm, cách hỏi gần giống"
REVIEW_SUGGESTED = "Bot đã gợi ý: {entries}"
REVIEW_ANSWERED = "Bot đã trả lời (bị 👎): {entries}"
REVIEW_GONE = "Nhóm này đã được xử lý hoặc không còn."
ASSIGN = "Gán vào mục…"
DISMISS = "Bỏ qua"
CANCEL = "✖️ Huỷ"
ASSIGN_PROMPT = (
    "Gõ một phần tên mục cần gán (ví dụ: <i>hộ chiếu</i>). "
    "Sẽ gán {texts} cách hỏi đã hiện ({count} lần hỏi). Gõ /cancel hoặc bấm Huỷ để thôi."
)
ASSIGN_PICK = "Chọn mục để gán {texts} cách hỏi ({count} lần hỏi):"
ASSIGN_NONE = "Không thấy mục nào khớp. Gõ lại tên mục, hoặc /cancel để thôi."
ASSIGNED = (
    "✅ Đã gán {count} lần hỏi ({texts} cách hỏi) vào <b>{title}</b>. Bot trả lời ngay từ bây giờ."
)
DISMISSED = "Đã bỏ qua nhóm ({count} lần hỏi)."
CANCELLED = "Đã huỷ gán. Gõ /review để xem lại danh sách."
NOTHING_TO_CANCEL = "Không có thao tác nào đang chờ."
UNDO = "↩️ Hoàn tác"
UNDONE = "↩️ Đã hoàn tác: {action}."
NOTHING_TO_UNDO = "Không có thao tác nào để hoàn tác."
ACTION_NAMES = {"assign": "gán vào {entry}", "dismiss": "bỏ qua nhóm"}
STATS = (
    "<b>Thống kê {days} ngày</b>\n"
    "Câu hỏi: {total}\n"
    "Trả lời: {answer:.0%} · Gợi ý: {suggest:.0%} · Không tìm thấy: {not_found:.0%}\n"
    "👍 {up} · 👎 {down}\n\n"
    "<b>Mục được hỏi nhiều</b>\n{top}\n\n"
    "<b>Chưa trả lời được nhiều</b>\n{unanswered}"
)
STATS_CAPTION = "Câu hỏi mỗi ngày theo kết quả ({days} ngày)"
EXPORT_CAPTION = "Nhật ký câu hỏi {days} ngày: {count} dòng, tệp CSV nén zip (mã người dùng đã ẩn danh)."
EXPORT_PART = "Phần {part}/{parts}."
RELOADED = "✅ Đã nạp lại: {procedures} thủ tục, {facts} chỉ tiêu, {aliases} cách hỏi."
RELOAD_FAILED = "❌ Cơ sở tri thức có lỗi, vẫn dùng bản cũ:\n{problems}"
CLI_REVIEW_HINT = (
    "Xem một nhóm: main.py review show <mã nhóm>. Gán: main.py review assign <mã nhóm> <mã mục>. "
    "Bỏ qua: main.py review dismiss <mã nhóm>. Hoàn tác: main.py review undo [số thao tác]."
)
CLI_UNDO_HINT = "(thao tác số {id}; hoàn tác: main.py review undo {id})"
CLI_UNKNOWN_ENTRY = "Không có mục '{entry}' trong cơ sở tri thức."
CONSOLE_FILE = "[tệp đã lưu: {path}]"
CONSOLE_PHOTO = "[ảnh đã lưu: {path}]"
