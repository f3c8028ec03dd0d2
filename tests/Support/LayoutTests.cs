using System.Reflection;

namespace Attribution.Tests.Support;

/// <summary>Every test lives under a layer's namespace, so the layer's category (and a quick run's filter) reaches it.</summary>
public class LayoutTests
{
    private static readonly string[] Layers =
    [
        typeof(Engine.EngineLayer).Namespace!,
        typeof(Host.HostLayer).Namespace!,
        typeof(Bindings.BindingsLayer).Namespace!,
        typeof(Reliability.ReliabilityLayer).Namespace!,
        typeof(SupportLayer).Namespace!,
    ];

    [Test]
    public void Every_test_class_is_in_a_layer_namespace()
    {
        var outside = TestClasses()
            .Where(t => !Layers.Any(layer => t.Namespace == layer || (t.Namespace ?? "").StartsWith(layer + ".", StringComparison.Ordinal)))
            .Select(t => t.FullName)
            .ToList();
        Assert.That(TestClasses().Count(), Is.GreaterThan(50), "the reflection scan found the suite's test classes");
        Assert.That(outside, Is.Empty, "test classes outside tests/{Engine,Host,Bindings,Reliability,Support} get no layer category");
    }

    [Test]
    public void Each_layer_has_one_set_up_fixture_that_names_its_category()
    {
        var layers = typeof(LayoutTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<SetUpFixtureAttribute>() is not null && t.GetCustomAttributes<CategoryAttribute>().Any())
            .ToDictionary(t => t.Namespace!, t => t.GetCustomAttributes<CategoryAttribute>().Select(c => c.Name).ToArray());
        Assert.That(layers.Keys, Is.EquivalentTo(Layers));
        foreach (var (ns, categories) in layers)
        {
            Assert.That(categories, Does.Contain(ns[(ns.LastIndexOf('.') + 1)..]), $"the set-up fixture of {ns}");
        }
    }

    private static IEnumerable<Type> TestClasses() => typeof(LayoutTests).Assembly.GetTypes()
        .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Any(m => m.GetCustomAttributes().Any(a => a is TestAttribute or TestCaseAttribute or TestCaseSourceAttribute or TheoryAttribute)));
}
