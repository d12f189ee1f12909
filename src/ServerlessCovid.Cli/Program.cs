using ServerlessCovid.Cli;

return await CovidCli.RunAsync(args).ConfigureAwait(false);
