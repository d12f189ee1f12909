#pragma warning disable IDE0161 // MSBuild's inline-task compiler uses C# 7.3: no file-scoped namespaces.
// Shared by the MSBuild inline task (TorchSharp.Debian12.targets) and the Training tests, so the code
// that patches the build output is the code under test. Keep it free of MSBuild types outside the #if.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ServerlessCovid.Build
{
    /// <summary>Outcome of inspecting or patching one ELF file's symbol-version requirement.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The file never required the version.</summary>
        NotRequired,
        /// <summary>The requirement was made weak and the symbols bound to it unversioned.</summary>
        Patched,
        /// <summary>A previous build already patched the file.</summary>
        AlreadyPatched,
    }

    /// <summary>
    /// Minimal ELF64 little-endian editor for one job: make a GNU symbol-version requirement
    /// (e.g. GLIBCXX_3.4.32) optional, the way <c>patchelf --clear-symbol-version</c> plus a weak
    /// <c>vna_flags</c> would, without needing patchelf on the machine.
    /// </summary>
    public static class ElfVersionPatcher
    {
        private const uint ShtDynsym = 11;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;
        private const ushort VerFlagWeak = 0x2;
        private const ushort VerNdxGlobal = 1;

        /// <summary>True when the file's bytes contain the version string (how libstdc++ advertises what it provides).</summary>
        public static bool FileContainsVersionString(string path, string version)
        {
            byte[] bytes = File.ReadAllBytes(path);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(bytes, needle) >= 0;
        }

        /// <summary>Lists the dynamic symbols that require <paramref name="version"/> from <paramref name="library"/>.</summary>
        public static IReadOnlyList<string> SymbolsRequiring(string path, string library, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            Layout layout = Layout.Read(elf);
            List<string> names = new List<string>();
            if (!layout.TryFindRequirement(library, version, out int auxOffset))
            {
                return names;
            }

            ushort index = ReadU16(elf, auxOffset + 6);
            foreach (int symbol in layout.SymbolsWithVersionIndex(index))
            {
                names.Add(layout.SymbolName(symbol));
            }

            return names;
        }

        /// <summary>True when the requirement exists and is already flagged weak.</summary>
        public static bool IsRequirementWeak(string path, string library, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            Layout layout = Layout.Read(elf);
            return layout.TryFindRequirement(library, version, out int auxOffset)
                && (ReadU16(elf, auxOffset + 4) & VerFlagWeak) != 0;
        }

        /// <summary>
        /// Marks the requirement weak and unbinds only the allowed symbols from it. Refuses (throws) when any
        /// other symbol needs the version, because then the old libstdc++ really lacks code the library calls.
        /// </summary>
        public static ElfPatchOutcome Patch(string path, string library, string version, ICollection<string> allowedSymbols)
        {
            byte[] elf = File.ReadAllBytes(path);
            Layout layout = Layout.Read(elf);
            if (!layout.TryFindRequirement(library, version, out int auxOffset))
            {
                return ElfPatchOutcome.NotRequired;
            }

            ushort flags = ReadU16(elf, auxOffset + 4);
            ushort index = (ushort)(ReadU16(elf, auxOffset + 6) & 0x7fff);
            List<int> bound = layout.SymbolsWithVersionIndex(index);
            foreach (int symbol in bound)
            {
                string name = layout.SymbolName(symbol);
                if (!allowedSymbols.Contains(name))
                {
                    throw new InvalidDataException(
                        $"{Path.GetFileName(path)} needs {name}@{version}, which the compat library does not provide; "
                        + "a newer libstdc++ is required on this machine.");
                }
            }

            if ((flags & VerFlagWeak) != 0 && bound.Count == 0)
            {
                return ElfPatchOutcome.AlreadyPatched;
            }

            WriteU16(elf, auxOffset + 4, (ushort)(flags | VerFlagWeak));
            foreach (int symbol in bound)
            {
                WriteU16(elf, layout.VersymOffset + (symbol * 2), VerNdxGlobal);
            }

            // A rename gives the file a new inode, so a process that has the old copy mapped is unaffected.
            string temp = path + ".patching";
            File.WriteAllBytes(temp, elf);
            File.Delete(path);
            File.Move(temp, path);
            return ElfPatchOutcome.Patched;
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                if (haystack[i] != needle[0])
                {
                    continue;
                }

                int j = 1;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static long ReadI64(byte[] b, int o) => (long)(ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32));

        private static void WriteU16(byte[] b, int o, ushort v)
        {
            b[o] = (byte)v;
            b[o + 1] = (byte)(v >> 8);
        }

        private static string ReadCString(byte[] b, int o)
        {
            int end = o;
            while (b[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(b, o, end - o);
        }

        private sealed class Layout
        {
            private readonly byte[] _elf;

            private Layout(byte[] elf) => _elf = elf;

            private int VerneedOffset { get; set; }

            private int VerneedCount { get; set; }

            private int VerneedStrings { get; set; }

            public int VersymOffset { get; private set; }

            private int DynsymOffset { get; set; }

            private int DynsymCount { get; set; }

            private int DynsymStrings { get; set; }

            public static Layout Read(byte[] elf)
            {
                if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                {
                    throw new InvalidDataException("Not an ELF file.");
                }

                if (elf[4] != 2 || elf[5] != 1)
                {
                    throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");
                }

                Layout layout = new Layout(elf) { VerneedOffset = -1, VersymOffset = -1, DynsymOffset = -1 };
                int sectionTable = checked((int)ReadI64(elf, 0x28));
                int entrySize = ReadU16(elf, 0x3A);
                int count = ReadU16(elf, 0x3C);
                for (int i = 0; i < count; i++)
                {
                    int header = sectionTable + (i * entrySize);
                    uint type = ReadU32(elf, header + 4);
                    int offset = checked((int)ReadI64(elf, header + 0x18));
                    int size = checked((int)ReadI64(elf, header + 0x20));
                    uint link = ReadU32(elf, header + 0x28);
                    uint info = ReadU32(elf, header + 0x2C);
                    if (type == ShtGnuVerneed)
                    {
                        layout.VerneedOffset = offset;
                        layout.VerneedCount = (int)info;
                        layout.VerneedStrings = SectionOffset(elf, sectionTable, entrySize, (int)link);
                    }
                    else if (type == ShtGnuVersym)
                    {
                        layout.VersymOffset = offset;
                    }
                    else if (type == ShtDynsym)
                    {
                        layout.DynsymOffset = offset;
                        layout.DynsymCount = size / 24;
                        layout.DynsymStrings = SectionOffset(elf, sectionTable, entrySize, (int)link);
                    }
                }

                return layout;
            }

            public bool TryFindRequirement(string library, string version, out int auxOffset)
            {
                auxOffset = -1;
                int need = VerneedOffset;
                for (int n = 0; n < VerneedCount && need >= 0; n++)
                {
                    ushort auxCount = ReadU16(_elf, need + 2);
                    string file = ReadCString(_elf, VerneedStrings + (int)ReadU32(_elf, need + 4));
                    int aux = need + (int)ReadU32(_elf, need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        string name = ReadCString(_elf, VerneedStrings + (int)ReadU32(_elf, aux + 8));
                        if (file == library && name == version)
                        {
                            auxOffset = aux;
                            return true;
                        }

                        aux += (int)ReadU32(_elf, aux + 12);
                    }

                    uint next = ReadU32(_elf, need + 12);
                    if (next == 0)
                    {
                        break;
                    }

                    need += (int)next;
                }

                return false;
            }

            public List<int> SymbolsWithVersionIndex(ushort index)
            {
                List<int> symbols = new List<int>();
                if (VersymOffset < 0)
                {
                    return symbols;
                }

                for (int s = 0; s < DynsymCount; s++)
                {
                    if ((ReadU16(_elf, VersymOffset + (s * 2)) & 0x7fff) == index)
                    {
                        symbols.Add(s);
                    }
                }

                return symbols;
            }

            public string SymbolName(int symbol) =>
                ReadCString(_elf, DynsymStrings + (int)ReadU32(_elf, DynsymOffset + (symbol * 24)));

            private static int SectionOffset(byte[] elf, int sectionTable, int entrySize, int section) =>
                checked((int)ReadI64(elf, sectionTable + (section * entrySize) + 0x18));
        }
    }

#if !ELF_PATCHER_WITHOUT_TASK
    /// <summary>MSBuild task: patches copies of libLibTorchSharp.so when the system libstdc++ is too old.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        private static readonly string[] SystemLibStdCxx =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required]
        public string RequiredVersion { get; set; } = string.Empty;

        [Microsoft.Build.Framework.Required]
        public string Symbol { get; set; } = string.Empty;

        [Microsoft.Build.Framework.Output]
        public bool CompatNeeded { get; set; }

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux) || Libraries.Length == 0)
            {
                return true;
            }

            string libstdcxx = Array.Find(SystemLibStdCxx, File.Exists);
            if (libstdcxx == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    "TorchSharp: no system libstdc++.so.6 found in the usual places; leaving libLibTorchSharp.so untouched.");
                return true;
            }

            if (ElfVersionPatcher.FileContainsVersionString(libstdcxx, RequiredVersion))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                    "TorchSharp: {0} provides {1}; no patch needed.", libstdcxx, RequiredVersion);
                return true;
            }

            CompatNeeded = true;
            foreach (Microsoft.Build.Framework.ITaskItem library in Libraries)
            {
                ElfPatchOutcome outcome = ElfVersionPatcher.Patch(
                    library.ItemSpec, "libstdc++.so.6", RequiredVersion, new[] { Symbol });
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    "TorchSharp: {0}: {1} (system libstdc++ lacks {2}).", library.ItemSpec, outcome, RequiredVersion);
            }

            return !Log.HasLoggedErrors;
        }
    }
#endif
}
