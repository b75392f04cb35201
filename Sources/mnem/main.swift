import MnemCLI
