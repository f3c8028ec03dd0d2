using System.CommandLine;
using System.CommandLine.Parsing;
using Attribution.Host.Settings;

namespace Attribution.Host.Cli;

/// <summary>Turns System.CommandLine's parse errors into our one sentence, with a suggestion for a mistyped flag or command.</summary>
internal static class ParseErrorSentence
{
    /// <summary>The sentence for the first problem of <paramref name="parse"/>; <paramref name="program"/> names the program in hints.</summary>
    public static string Of(ParseResult parse, string program = "attribution")
    {
        Command command = parse.CommandResult.Command;
        bool root = command is RootCommand;
        string name = root ? program : string.Join(' ', command.Parents.OfType<Command>().Where(c => c is not RootCommand).Select(c => c.Name).Reverse().Prepend(program).Append(command.Name));
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            if (root)
            {
                string? closest = ClosestName.Of(token, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                return $"'{token}' is not a command{Suggest(closest)}; run '{program} --help' to list them.";
            }
            if (!token.StartsWith('-') && command.Subcommands.Count > 0)
            {
                string? closest = ClosestName.Of(token, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                return $"'{token}' is not a command of '{command.Name}'{Suggest(closest)}; see '{name} --help'.";
            }
            if (!token.StartsWith('-'))
            {
                return $"'{token}' is not a flag of '{command.Name}'; flags start with -- (see '{name} --help').";
            }
            var flags = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
                .Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name));
            string flag = token.Split('=', 2)[0];
            return $"'{flag}' is not a flag of '{command.Name}'{Suggest(ClosestName.Of(flag, flags))}; see '{name} --help'.";
        }
        ParseError error = parse.Errors[0];
        // Our own sentences (a custom parser's) pass through; the grammar's two common slips are reworded.
        if ((error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult) is { } option)
        {
            if (option.IdentifierToken is null && option.Option.Required)
            {
                return $"The flag {option.Option.Name} is required.";
            }
            if (option.Tokens.Count == 0 && option.Option.Arity.MinimumNumberOfValues > 0)
            {
                return $"The flag {option.Option.Name} needs a value.";
            }
            if (option.Tokens.Count > option.Option.Arity.MaximumNumberOfValues)
            {
                return $"The flag {option.Option.Name} is given twice.";
            }
        }
        return error.Message.EndsWith('.') ? error.Message : error.Message + ".";
    }

    private static string Suggest(string? closest) => closest is null ? "" : $" (did you mean {closest}?)";
}
