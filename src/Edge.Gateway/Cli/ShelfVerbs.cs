using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Edge.Gateway.Admin;
using Edge.Gateway.Hosting;

namespace Edge.Gateway.Cli;

/// <summary><c>shelf list | add | remove | assign | tare | calibrate</c>.</summary>
internal static class ShelfVerbs
{
    public static Command Build()
    {
        var id = new Option<string>("--id") { Description = "Shelf id, unique in the store", Required = true };
        var zone = new Option<string>("--zone") { Description = "Zone the shelf stands in", Required = true };
        var sku = new Option<string>("--sku") { Description = "Product SKU", Required = true };
        var name = new Option<string>("--name") { Description = "Product name (English)", Required = true };
        var nameJa = new Option<string>("--name-ja") { Description = "Product name (Japanese)" };
        var price = new Option<decimal>("--price") { Description = "Shelf price in the store's currency", Required = true };
        var unit = new Option<double>("--unit-weight") { Description = "Weight of one item in grams", Required = true };
        var dout = new Option<int>("--dout") { Description = "GPIO (logical numbering) wired to the HX711's DOUT", Required = true };
        var sck = new Option<int>("--sck") { Description = "GPIO (logical numbering) wired to the HX711's PD_SCK", Required = true };
        var rate = new Option<string>("--data-rate") { Description = "HX711 data rate strapped on the board: Sps10 or Sps80 (default Sps10)" };
        var capacity = new Option<int>("--capacity") { Description = "Items the slot holds when full" };
        var low = new Option<int>("--low-stock") { Description = "At or below this count the slot is low on stock (default 3)" };

        return new Command("shelf", "Smart shelves: list, add, remove, assign a product, tare and calibrate.")
        {
            ListCommand(),
            LayoutVerbs.Add(LayoutKind.Shelves, "Add a shelf slot (one product on one load cell behind one HX711).",
                [new(id, "Id"), new(zone, "Zone"), new(sku, "Sku"), new(name, "Name"), new(nameJa, "NameJa"), new(price, "Price"), new(unit, "UnitWeightGrams"), new(dout, "DoutPin"), new(sck, "SckPin"), new(rate, "DataRate"), new(capacity, "Capacity"), new(low, "LowStockThreshold")],
                Provisional),
            LayoutVerbs.Remove(LayoutKind.Shelves, "Remove a shelf slot."),
            AssignCommand(),
            TareCommand(),
            CalibrationVerb.Build(),
        };
    }

    private static Command ListCommand()
    {
        var list = GatewayLink.WithCommonOptions(new Command("list", "List the shelves: with the gateway running, with their status, count and live reading."));
        Verb.Action(list, async (parse, ct) =>
        {
            using GatewayLink link = GatewayLink.Open(parse);
            if (link.Online)
            {
                JsonArray live = (await link.CallOkAsync(HttpMethod.Get, "shelves", cancellationToken: ct))!.AsArray();
                return (ExitCodes.Ok, new JsonObject { ["shelves"] = live.DeepClone(), ["running"] = true },
                    live.Count == 0 ? ["no shelves configured"] : live.OfType<JsonObject>().Select(s =>
                        $"{s["id"],-8} {s["sku"],-16} {s["name"],-24} {s["status"],-8} count {s["count"]?.ToString() ?? "-",3}  {Grams(s["reading"]?["grams"])}"));
            }

            List<JsonObject> configured = SiteLayout.List(ConfigurationLayers.Build(link.DataDir, link.Overrides), LayoutKind.Shelves);
            return (ExitCodes.Ok, new JsonObject { ["shelves"] = new JsonArray([.. configured]), ["running"] = false },
                configured.Count == 0 ? ["no shelves configured (the simulated store uses its demo shelves)"] : configured.Select(s =>
                    $"{s["Id"],-8} {s["Sku"],-16} {s["Name"],-24} zone {s["Zone"],-10} DOUT {s["DoutPin"]} SCK {s["SckPin"]}"));
        });
        return list;
    }

    private static Command AssignCommand()
    {
        var shelf = new Argument<string>("shelf") { Description = "The shelf to assign a product to" };
        var sku = new Option<string>("--sku") { Description = "The product's SKU", Required = true };
        var name = new Option<string>("--name") { Description = "Product name (English)" };
        var unit = new Option<double?>("--unit-weight") { Description = "Weight of one item in grams" };
        var price = new Option<decimal?>("--price") { Description = "Shelf price" };
        var assign = GatewayLink.WithCommonOptions(new Command("assign", "Assign a product (SKU) to a shelf; the shelf's count is then of that product.") { shelf, sku, name, unit, price });
        Verb.Action(assign, (parse, ct) =>
        {
            string id = parse.GetValue(shelf)!;
            var body = new JsonObject { ["sku"] = parse.GetValue(sku) };
            var values = new Dictionary<string, JsonNode?> { ["Sku"] = parse.GetValue(sku) };
            if (parse.GetValue(name) is { } n)
            {
                body["name"] = n;
                values["Name"] = n;
            }

            if (parse.GetValue(unit) is { } u)
            {
                body["unitWeightGrams"] = u;
                values["UnitWeightGrams"] = u;
            }

            if (parse.GetValue(price) is { } p)
            {
                body["price"] = p;
                values["Price"] = p;
            }

            return LayoutVerbs.ApplyAsync(parse, $"assigned SKU {parse.GetValue(sku)} to shelf '{id}'",
                link => link.CallOkAsync(HttpMethod.Put, $"shelves/{Uri.EscapeDataString(id)}/sku", body, ct),
                link => SiteLayout.Update(link.DataDir, link.Overrides, LayoutKind.Shelves, id, values));
        });
        return assign;
    }

    private static Command TareCommand()
    {
        var shelf = new Argument<string>("shelf") { Description = "The shelf to tare (empty and still)" };
        var tare = GatewayLink.WithCommonOptions(new Command("tare", "Tare an empty, still shelf on the running gateway: its load now reads 0 g.") { shelf });
        Verb.Action(tare, async (parse, ct) =>
        {
            using GatewayLink link = GatewayLink.Open(parse);
            link.RequireOnline("tare");
            JsonNode result = (await link.CallOkAsync(HttpMethod.Post, $"shelves/{Uri.EscapeDataString(parse.GetValue(shelf)!)}/tare", cancellationToken: ct))!;
            return (ExitCodes.Ok, result, [$"shelf '{result["shelfId"]}' tared at {result["tareGrams"]} g"]);
        });
        return tare;
    }

    /// <summary>
    /// A new shelf counts with a typical cell's calibration until it is calibrated: a 10 kg cell of 2 mV/V at 5 V
    /// behind an HX711 at gain 128 gives about 430 codes a gram. Counts are rough until <c>shelf calibrate</c>.
    /// </summary>
    private static void Provisional(JsonObject shelf) =>
        shelf["Calibration"] ??= new JsonObject { ["RawZero"] = 0, ["GramsZero"] = 0, ["RawSpan"] = 430_000, ["GramsSpan"] = 1000 };

    internal static string Grams(JsonNode? grams) =>
        grams is null ? "" : grams.GetValue<double>().ToString("F1", CultureInfo.InvariantCulture) + " g";
}
