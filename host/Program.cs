using Attribution.Host;

return CliApp.Run(args);
