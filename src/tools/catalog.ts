import { ToolDescriptor } from './errors';

export type ToolName = 'docker' | 'helm' | 'kubectl' | 'az' | 'dotnet';

/** The command-line tools, the setting that overrides each one's path, and how to get it. */
export const TOOLS: Record<ToolName, ToolDescriptor> = {
  docker: {
    name: 'docker',
    setting: 'aksWorker.paths.docker',
    install: 'Install Docker Desktop or Docker Engine (https://docs.docker.com/engine/install/).',
    url: 'https://docs.docker.com/engine/install/',
  },
  helm: {
    name: 'helm',
    setting: 'aksWorker.paths.helm',
    install: 'Install Helm 3 or 4 (https://helm.sh/docs/intro/install/).',
    url: 'https://helm.sh/docs/intro/install/',
  },
  kubectl: {
    name: 'kubectl',
    setting: 'aksWorker.paths.kubectl',
    install: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/) or run "az aks install-cli".',
    url: 'https://kubernetes.io/docs/tasks/tools/',
  },
  dotnet: {
    name: 'dotnet',
    setting: 'aksWorker.paths.dotnet',
    install: 'Install the .NET SDK 8 or later (https://dotnet.microsoft.com/download); without it, projects are read without MSBuild.',
    url: 'https://dotnet.microsoft.com/download',
  },
  az: {
    name: 'az',
    setting: 'aksWorker.paths.az',
    install: 'Install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli) and run "az login".',
    url: 'https://learn.microsoft.com/cli/azure/install-azure-cli',
  },
};

/** Paths chosen by the user (settings or CLI flags); an empty or missing value means "find it on PATH". */
export type ToolPaths = Partial<Record<ToolName, string>>;

export function toolFile(name: ToolName, paths: ToolPaths = {}): string {
  const configured = paths[name]?.trim();
  return configured ? configured : name;
}
