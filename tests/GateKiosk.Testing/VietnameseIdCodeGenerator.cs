using System.Globalization;
using System.Text;

namespace GateKiosk.Testing;

/// <summary>
/// Seeded test data for the two Vietnamese personal codes (chip citizen ID card, PC-Covid personal QR). Nobody real:
/// names are random combinations of common name words, every citizen ID starts with the province code 099 (no province
/// has it), addresses are in made-up places ("thôn Thử Nghiệm"), dates and QIDs are random.
/// </summary>
public sealed class VietnameseIdCodeGenerator(int seed)
{
    private static readonly string[] Families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"];
    private static readonly string[] Middles = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thùy", "Xuân"];
    private static readonly string[] Givens = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hạnh", "Khánh", "Linh", "Mai", "Nam", "Oanh", "Phúc", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trung", "Uyên", "Việt", "Yến", "Đạt", "Ánh", "Ngữ"];
    private static readonly string[] Places = ["Thử Nghiệm", "Mẫu Thử", "Giả Định", "Ví Dụ", "Kiểm Tra"];

    private readonly Random _random = new(seed);

    /// <summary>The fields behind both codes, for asserting what must never leave the kiosk.</summary>
    public sealed record Person(string Id, string OldId, string FullName, DateOnly Born, string Sex, string Address, DateOnly Issued, string Qid)
    {
        /// <summary>The birth date as the card writes it.</summary>
        public string BornText => Born.ToString("ddMMyyyy", CultureInfo.InvariantCulture);

        /// <summary>The chip card's QR text; <paramref name="form"/> spells the name and address composed or decomposed.</summary>
        public string Cccd(NormalizationForm form = NormalizationForm.FormC) => string.Join('|',
            Id, OldId, FullName.Normalize(form), BornText, Sex.Normalize(form), Address.Normalize(form), Issued.ToString("ddMMyyyy", CultureInfo.InvariantCulture));

        /// <summary>The PC-Covid personal QR text.</summary>
        public string PcCovid(NormalizationForm form = NormalizationForm.FormC, string? id = null, string? born = null) => string.Join('|',
            id ?? Id, FullName.Normalize(form), born ?? Born.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture), "CCCD", Qid, "");
    }

    /// <summary>One edge case: its name, the scanned text, and whether a reader must accept it.</summary>
    public sealed record EdgeCase(string Name, string Text, bool WellFormed)
    {
        public override string ToString() => Name;
    }

    /// <summary>A new made-up person: 2–4 name words, born 1940–2010, card issued 2021–2025, old ID empty one time in three.</summary>
    public Person NextPerson()
    {
        var words = new List<string> { Pick(Families) };
        var middles = _random.Next(0, 3);
        for (var i = 0; i < middles; i++)
        {
            words.Add(Pick(Middles));
        }

        words.Add(Pick(Givens));
        var born = new DateOnly(1940, 1, 1).AddDays(_random.Next(0, 70 * 365));
        var issued = new DateOnly(2021, 1, 1).AddDays(_random.Next(0, 5 * 365));
        var address = $"Số {_random.Next(1, 300)}, thôn {Pick(Places)}, xã {Pick(Places)}, tỉnh {Pick(Places)}";
        return new Person(
            "099" + Digits(9),
            _random.Next(3) == 0 ? "" : "9" + Digits(8),
            string.Join(' ', words),
            born,
            _random.Next(2) == 0 ? "Nam" : "Nữ",
            address,
            issued,
            "QID-" + Digits(10));
    }

    /// <summary>The edge cases of <paramref name="p"/>'s codes, well formed or not.</summary>
    public static IReadOnlyList<EdgeCase> EdgeCases(Person p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var cccd = p.Cccd().Split('|');
        string Cccd(int field, string value)
        {
            var copy = (string[])cccd.Clone();
            copy[field] = value;
            return string.Join('|', copy);
        }

        return
        [
            new("cccd-nfc", p.Cccd(), true),
            new("cccd-nfd", p.Cccd(NormalizationForm.FormD), true),
            new("cccd-empty-old-id", Cccd(1, ""), true),
            new("cccd-trailing-newline", p.Cccd() + "\n", true),
            new("cccd-sex-nu-decomposed", Cccd(4, "Nữ".Normalize(NormalizationForm.FormD)), true),
            new("pccovid-nfc", p.PcCovid(), true),
            new("pccovid-nfd", p.PcCovid(NormalizationForm.FormD), true),
            new("pccovid-ddmmyyyy", p.PcCovid(born: p.BornText), true),
            new("pccovid-year-only", p.PcCovid(born: p.Born.Year.ToString(CultureInfo.InvariantCulture)), true),
            new("pccovid-old-id", p.PcCovid(id: "9" + p.Id[4..]), true),
            new("pccovid-passport", p.PcCovid(id: "C" + p.Id[5..]), true),
            new("cccd-extra-separator", p.Cccd() + "|", false),
            new("cccd-doubled-separator", Cccd(2, "|" + p.FullName), false),
            new("cccd-missing-field", string.Join('|', cccd[..6]), false),
            new("cccd-13-digit-id", Cccd(0, p.Id + "7"), false),
            new("cccd-11-digit-id", Cccd(0, p.Id[1..]), false),
            new("cccd-8-digit-old-id", Cccd(1, "12345678"), false),
            new("cccd-31-february", Cccd(3, "31022000"), false),
            new("cccd-month-13", Cccd(3, "01132000"), false),
            new("cccd-born-in-the-future", Cccd(3, "01019999"), false),
            new("cccd-dashed-birth-date", Cccd(3, "01-01-2000"), false),
            new("cccd-issued-before-birth", Cccd(6, "01011901"), false),
            new("cccd-empty-name", Cccd(2, "   "), false),
            new("cccd-digits-in-name", Cccd(2, "Nguyễn 4n"), false),
            new("cccd-unknown-sex", Cccd(4, "X"), false),
            new("cccd-empty-address", Cccd(5, ""), false),
            new("cccd-too-long", Cccd(5, new string('a', 2000)), false),
            new("pccovid-13-digit-id", p.PcCovid(id: p.Id + "1"), false),
            new("pccovid-extra-separator", p.PcCovid() + "|", false),
            new("pccovid-wrong-date", p.PcCovid(born: "30/02/1990"), false),
            new("pccovid-empty-qid", string.Join('|', p.Id, p.FullName, "01/01/1990", "CCCD", "", ""), false),
            new("pccovid-lone-surrogate-in-name", p.PcCovid().Replace(p.FullName, p.FullName + "\uD800", StringComparison.Ordinal), false),
        ];
    }

    private string Pick(string[] words) => words[_random.Next(words.Length)];

    private string Digits(int count)
    {
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            builder.Append((char)('0' + _random.Next(10)));
        }

        return builder.ToString();
    }
}
