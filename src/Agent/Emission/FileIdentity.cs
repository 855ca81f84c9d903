using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BackscatterConsole.Agent.Emission;

/// <summary>
/// A file's identity independent of its name: device and inode on Linux, volume serial number and file index on Windows.
/// A log renamed by rotation keeps it; a new log under the old name gets a new one. .NET has no public API for it, so it
/// is read with <c>fstat</c> (glibc 2.33 and later; <c>__fxstat</c> on older glibc) or <c>GetFileInformationByHandle</c>.
/// </summary>
/// <param name="Device">The device (volume serial number on Windows).</param>
/// <param name="Inode">The inode (file index on Windows).</param>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The identity of an open file, or null where the platform does not tell (the reader then relies on content fingerprints alone).</summary>
    public static FileIdentity? Of(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                return Windows.GetFileInformationByHandle(handle, out var info)
                    ? new FileIdentity(info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow)
                    : null;
            }

            if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
            {
                return Linux.Stat(handle);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException)
        {
            return null;
        }

        return null;
    }

    private static class Linux
    {
        // struct stat on x86_64 and aarch64 alike starts with st_dev and st_ino, both 64-bit; the buffer is larger than
        // either layout (144 and 128 bytes).
        private const int StatSize = 256;

        private static bool _useLegacy;

        public static FileIdentity? Stat(SafeFileHandle handle)
        {
            var buffer = new byte[StatSize];
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                var fd = (int)handle.DangerousGetHandle();
                int result;
                if (!_useLegacy)
                {
                    try
                    {
                        result = FStat(fd, buffer);
                    }
                    catch (EntryPointNotFoundException)
                    {
                        // glibc before 2.33 (CentOS 7, common under Zimbra) exports only the versioned __fxstat.
                        _useLegacy = true;
                        result = LegacyFStat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, fd, buffer);
                    }
                }
                else
                {
                    result = LegacyFStat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, fd, buffer);
                }

                return result == 0 ? new FileIdentity(BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8)) : null;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
        private static extern int FStat(int fd, byte[] buffer);

        [DllImport("libc", EntryPoint = "__fxstat", SetLastError = true)]
        private static extern int LegacyFStat(int version, int fd, byte[] buffer);
    }

    private static class Windows
    {
        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool GetFileInformationByHandle(SafeFileHandle handle, out ByHandleFileInformation information);

        [StructLayout(LayoutKind.Sequential)]
        public struct ByHandleFileInformation
        {
            public uint FileAttributes;
            public System.Runtime.InteropServices.ComTypes.FILETIME CreationTime;
            public System.Runtime.InteropServices.ComTypes.FILETIME LastAccessTime;
            public System.Runtime.InteropServices.ComTypes.FILETIME LastWriteTime;
            public uint VolumeSerialNumber;
            public uint FileSizeHigh;
            public uint FileSizeLow;
            public uint NumberOfLinks;
            public uint FileIndexHigh;
            public uint FileIndexLow;
        }
    }
}
