import Foundation
import MnemCLI

exit(MnemCLI.run(Array(CommandLine.arguments.dropFirst()), console: .process()))
