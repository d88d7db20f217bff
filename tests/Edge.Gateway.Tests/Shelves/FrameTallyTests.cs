using Edge.Gateway.Shelves;
using Microsoft.Extensions.Time.Testing;

namespace Edge.Gateway.Tests.Shelves;

public class FrameTallyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));

    // Frames every conversion period, from just after the tally started, for `seconds`; `frame` says which are good.
    private void Run(FrameTally tally, int rate, double seconds, Func<int, bool?> frame)
    {
        TimeSpan period = TimeSpan.FromSeconds(1.0 / rate);
        for (int i = 0; i < seconds * rate; i++)
        {
            _time.Advance(period);
            if (frame(i) is { } accepted)
            {
                tally.Frame(accepted);
            }
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(80)]
    public void EveryConversionRead_CountsAMinuteOfFrames_AndNoneLost(int rate)
    {
        var tally = new FrameTally(rate, _time);

        Run(tally, rate, 90, i => i % 50 != 7); // one frame in 50 rejected

        FrameCounts m = tally.LastMinute();
        Assert.Equal(60 * rate, m.Accepted + m.Rejected);
        Assert.InRange(m.Rejected, (60 * rate / 50) - 1, (60 * rate / 50) + 1);
        Assert.Equal(0, m.Lost);
    }

    [Fact]
    public void AReaderThatSkipsConversions_CountsThemLost_InTheSecondTheyWereDue()
    {
        var tally = new FrameTally(80, _time);

        Run(tally, 80, 30, i => i % 4 == 3 ? null : true); // every fourth conversion overwritten before it was read

        FrameCounts m = tally.LastMinute();
        Assert.Equal(29 * 80, m.Accepted + m.Lost); // the 29 whole seconds since start
        Assert.InRange(m.Lost, (29 * 20) - 1, (29 * 20) + 1);
    }

    [Fact]
    public void AChipThatStopsAnswering_LosesEveryConversion_EvenBeforeItAnswersAgain()
    {
        var tally = new FrameTally(10, _time);
        Run(tally, 10, 70, _ => true);

        Run(tally, 10, 20, _ => null); // silent for 20 s
        FrameCounts silent = tally.LastMinute();
        Run(tally, 10, 61, _ => true); // a minute after it came back
        FrameCounts after = tally.LastMinute();

        Assert.InRange(silent.Lost, 199, 201);
        Assert.InRange(silent.Accepted + silent.Lost, 598, 602);
        Assert.Equal(new FrameCounts(600, 0, 0), after);
    }

    [Fact]
    public void JustAfterStart_OnlyTheWholeSecondsSinceStartCount()
    {
        var tally = new FrameTally(10, _time);

        Run(tally, 10, 5.5, _ => true);

        FrameCounts m = tally.LastMinute();
        Assert.InRange(m.Accepted, 40, 50);
        Assert.Equal(0, m.Lost);
    }
}
