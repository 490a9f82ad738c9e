"""学分登记表 and 多年度学分验证表: printed forms, frozen when generated and verifiable by QR code
(both through portal.documents)."""
