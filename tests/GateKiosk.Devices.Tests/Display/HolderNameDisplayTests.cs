using GateKiosk.Contracts;
using GateKiosk.Devices.Display;

namespace GateKiosk.Devices.Tests.Display;

/// <summary>The masked name of a personal ID code on the guard's display, and what a door that wants a declaration says.</summary>
public sealed class HolderNameDisplayTests
{
    [Fact]
    public void Lines_AllowWithHolder_ShowsTheMaskedNameUnderTheWelcome()
    {
        var message = new DisplayMessage(DisplayScreen.Allow, Holder: "Nguyễn V** A**");

        Assert.Equal(["Mời vào", "Nguyễn V** A**", "Cửa đã mở", ""], OledDisplay.Lines(message, DisplayLanguage.Vi));
        Assert.Equal(["Welcome", "Nguyễn V** A**", "Door open", ""], OledDisplay.Lines(message, DisplayLanguage.En));
        Assert.Equal(["Moi vao", "Nguyen V** A**"], CharacterLcdDisplay.Render(message, DisplayLanguage.Vi, 16, 2));
    }

    [Fact]
    public void Lines_DeclarationRequired_TellsToDeclareAndShowTheGkh1Pass()
    {
        var message = new DisplayMessage(DisplayScreen.Deny, ReasonCodes.DeclarationRequired);

        Assert.Equal(["Khai bao y te", "roi dua ma GKH1"], CharacterLcdDisplay.Render(message, DisplayLanguage.Vi, 16, 2));
        Assert.Equal(["Declare health,", "then show GKH1"], CharacterLcdDisplay.Render(message, DisplayLanguage.En, 16, 2));
    }
}
