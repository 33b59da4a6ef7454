export * from 'execa';
