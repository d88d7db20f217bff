using System.Globalization;
using Edge.Gateway.Hosting;
using LiteDB;

namespace Edge.Gateway.Temperature;

/// <summary>One reading as it is kept: a temperature, or the fault that stood in its place (its time to the millisecond).</summary>
public sealed record CaseReading(string CaseId, DateTimeOffset At, double? Celsius, string? Fault);

/// <summary>
/// The durable hygiene record in the gateway database: every reading (kept <see cref="KeptReadingDays"/> days) and
/// each case's daily figures (kept <see cref="KeptRecordDays"/> days), written in one commit per round of readings so
/// the two cannot disagree after a power cut.
/// </summary>
public sealed class TemperatureRecords(GatewayDatabase database)
{
    /// <summary>Days of single readings kept (HACCP plans commonly keep a month or two of raw records).</summary>
    public const int KeptReadingDays = 62;

    /// <summary>Days of daily records kept.</summary>
    public const int KeptRecordDays = 400;

    private const string Readings = "temperature_readings";
    private const string Days = "temperature_days";

    /// <summary>Stores a round of readings and the day records they changed, in one commit.</summary>
    public void Save(IReadOnlyList<CaseReading> readings, IReadOnlyList<CaseDay> days)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(days);
        database.Run(db =>
        {
            db.BeginTrans();
            try
            {
                ILiteCollection<BsonDocument> r = db.GetCollection(Readings);
                // Keyed by case and time: a round stored again (a commit whose outcome was unknown) replaces itself.
                foreach (CaseReading x in readings)
                {
                    r.Upsert(new BsonDocument
                    {
                        ["_id"] = string.Create(CultureInfo.InvariantCulture, $"{x.CaseId}|{x.At.ToUnixTimeMilliseconds():D13}"),
                        ["case"] = x.CaseId, ["at"] = x.At.ToUnixTimeMilliseconds(), ["c"] = x.Celsius is { } c ? new BsonValue(c) : BsonValue.Null, ["fault"] = x.Fault,
                    });
                }

                ILiteCollection<BsonDocument> d = db.GetCollection(Days);
                foreach (CaseDay day in days)
                {
                    d.Upsert(ToDocument(day));
                }

                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }
        });
    }

    /// <summary>Readings at or after <paramref name="from"/>, in time order (to take up the excursions where they were at a restart).</summary>
    public IReadOnlyList<CaseReading> Since(DateTimeOffset from) => database.Run(db =>
    {
        ILiteCollection<BsonDocument> r = db.GetCollection(Readings);
        r.EnsureIndex("at");
        return (IReadOnlyList<CaseReading>)[.. r.Find(Query.GTE("at", from.ToUnixTimeMilliseconds())).Select(ToReading).OrderBy(x => x.At)];
    });

    /// <summary>Every case's record of <paramref name="date"/>, by case id.</summary>
    public IReadOnlyList<CaseDay> Of(DateOnly date) => database.Run(db =>
        (IReadOnlyList<CaseDay>)[.. db.GetCollection(Days).Find(Query.EQ("date", DateText(date))).Select(ToDay).OrderBy(d => d.CaseId, StringComparer.Ordinal)]);

    /// <summary>Deletes readings older than <see cref="KeptReadingDays"/> and records older than <see cref="KeptRecordDays"/> before <paramref name="today"/>; returns how many went.</summary>
    public int Prune(DateOnly today, DateTimeOffset now) => database.Run(db =>
    {
        ILiteCollection<BsonDocument> r = db.GetCollection(Readings);
        r.EnsureIndex("at");
        int gone = r.DeleteMany(Query.LT("at", now.AddDays(-KeptReadingDays).ToUnixTimeMilliseconds()));
        ILiteCollection<BsonDocument> d = db.GetCollection(Days);
        d.EnsureIndex("date");
        return gone + d.DeleteMany(Query.LT("date", DateText(today.AddDays(-KeptRecordDays))));
    });

    private static string DateText(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static BsonDocument ToDocument(CaseDay d) => new()
    {
        ["_id"] = d.CaseId + "|" + DateText(d.Date), ["case"] = d.CaseId, ["date"] = DateText(d.Date),
        ["min"] = d.Min is { } min ? new BsonValue(min) : BsonValue.Null, ["max"] = d.Max is { } max ? new BsonValue(max) : BsonValue.Null,
        ["out"] = d.MinutesOutOfRange, ["faulted"] = d.MinutesFaulted, ["readings"] = d.Readings,
    };

    private static CaseDay ToDay(BsonDocument d) => new(
        d["case"].AsString, DateOnly.ParseExact(d["date"].AsString, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        d["min"].IsNull ? null : d["min"].AsDouble, d["max"].IsNull ? null : d["max"].AsDouble, d["out"].AsDouble, d["faulted"].AsDouble, d["readings"].AsInt32);

    private static CaseReading ToReading(BsonDocument d) => new(
        d["case"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(d["at"].AsInt64), d["c"].IsNull ? null : d["c"].AsDouble, d["fault"].IsNull ? null : d["fault"].AsString);
}
