using ServerlessCovid.Cli;

return await CovidCli.MainAsync(args).ConfigureAwait(false);
