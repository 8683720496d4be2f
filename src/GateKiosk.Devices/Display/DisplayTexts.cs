using GateKiosk.Contracts;

namespace GateKiosk.Devices.Display;

/// <summary>
/// The words on the display, in Vietnamese (with diacritics; a character LCD shows them transliterated) and English.
/// Every line is at most 16 characters so that it fits a 16×2 LCD without being cut.
/// </summary>
public static class DisplayTexts
{
    private static readonly Dictionary<string, (string Vi, string En)> Reasons = new(StringComparer.Ordinal)
    {
        [ReasonCodes.Valid] = ("Hợp lệ", "Valid"),
        [ReasonCodes.Expired] = ("Mã đã hết hạn", "Code expired"),
        [ReasonCodes.NotYetValid] = ("Chưa có hiệu lực", "Not yet valid"),
        [ReasonCodes.Revoked] = ("Mã đã bị thu hồi", "Code revoked"),
        [ReasonCodes.BadSignature] = ("Chữ ký sai", "Bad signature"),
        [ReasonCodes.UnknownIssuer] = ("Không rõ nơi cấp", "Unknown issuer"),
        [ReasonCodes.WrongSite] = ("Sai địa điểm", "Wrong site"),
        [ReasonCodes.OutsideSchedule] = ("Ngoài khung giờ", "Outside hours"),
        [ReasonCodes.AntiPassback] = ("Đã quét vào rồi", "Already inside"),
        [ReasonCodes.DeclarationStale] = ("Khai báo y tế cũ", "Health decl. old"),
        [ReasonCodes.Unreadable] = ("Không đọc được", "Unreadable code"),
        [ReasonCodes.NotEnrolled] = ("Chưa đăng ký", "Not enrolled"),
        [ReasonCodes.UnsupportedCredential] = ("Mã không hỗ trợ", "Not accepted"),
        [ReasonCodes.WrongKeyUsage] = ("Khóa ký sai loại", "Wrong signer"),
        [ReasonCodes.AlreadyUsed] = ("Mã đã dùng rồi", "Already used"),
        [ReasonCodes.RulesNotMet] = ("Chưa đạt yêu cầu", "Rules not met"),
        [ReasonCodes.DeclarationRequired] = ("Cần khai báo", "Declare first"),
        [ReasonCodes.HealthDeclarationRefer] = ("Mời gặp bảo vệ", "See the guard"),
        [ReasonCodes.ExitButton] = ("Nút mở cửa ra", "Exit button"),
        [ReasonCodes.InternalError] = ("Lỗi hệ thống", "System error"),
        [ReasonCodes.Lockdown] = ("Đang phong tỏa", "Lockdown"),
        [ReasonCodes.RemoteOpen] = ("Mở cửa từ xa", "Opened remotely"),
    };

    /// <summary>The reason code in words; an unknown code gives a generic phrase.</summary>
    public static string Reason(string? code, DisplayLanguage language) =>
        code is not null && Reasons.TryGetValue(code, out var words)
            ? language == DisplayLanguage.Vi ? words.Vi : words.En
            : language == DisplayLanguage.Vi ? "Không hợp lệ" : "Not valid";

    /// <summary>The lines of <paramref name="message"/> in <paramref name="language"/>, with diacritics.</summary>
    public static IReadOnlyList<string> Lines(DisplayMessage message, DisplayLanguage language)
    {
        ArgumentNullException.ThrowIfNull(message);
        var vi = language == DisplayLanguage.Vi;
        return message.Screen switch
        {
            DisplayScreen.Idle => vi ? ["Mời quét mã QR"] : ["Please scan", "your QR code"],
            DisplayScreen.Allow when message.Holder is { Length: > 0 } holder => vi ? ["Mời vào", holder, "Cửa đã mở"] : ["Welcome", holder, "Door open"],
            DisplayScreen.Allow => vi ? ["Mời vào", "Cửa đã mở"] : ["Welcome", "Door open"],
            DisplayScreen.Exit => vi ? ["Mời ra", "Cửa đã mở"] : ["Goodbye", "Door open"],
            // Where an ID code is not enough, say what to do instead, in the two lines every display has: declare (on the
            // site's page, from the poster at the gate) and show the GKH1 pass it gives. Red light and long beep say "denied".
            DisplayScreen.Deny when message.Reason == ReasonCodes.DeclarationRequired => vi
                ? ["Khai báo y tế", "rồi đưa mã GKH1"]
                : ["Declare health,", "then show GKH1"],
            DisplayScreen.Deny => [vi ? "Từ chối" : "Access denied", Reason(message.Reason, language)],
            DisplayScreen.HeldOpen => vi ? ["Cảnh báo!", "Cửa mở quá lâu"] : ["ALARM", "Door held open"],
            DisplayScreen.Forced => vi ? ["Cảnh báo!", "Mở cửa trái phép"] : ["ALARM", "Door forced open"],
            DisplayScreen.SelfTest => vi ? ["Tự kiểm tra", "Màn hình"] : ["Self-test", "Display"],
            _ => [],
        };
    }
}
